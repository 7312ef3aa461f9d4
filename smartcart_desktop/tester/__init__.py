"""Tester mode (`--tester`): the panel that switches simulated network faults, shows which
session each fault hit, and runs the crash drill. Never part of a production kiosk."""
