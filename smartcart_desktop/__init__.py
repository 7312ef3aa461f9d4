"""SmartCart Desktop: the kiosk window. Everything but `startup` speaks HTTP to the backend."""
