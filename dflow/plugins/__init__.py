"""Optional executors and service clients beside the core executors (DPDispatcher, Ray, clouds)."""
