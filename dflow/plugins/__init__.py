"""Optional executors and service clients that sit beside the core executors (DPDispatcher, Ray, clouds)."""
