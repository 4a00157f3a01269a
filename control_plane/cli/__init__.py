"""The `brygge` command line by theme (main.py is the entry point) and the `brygge up`
supervisor (supervisor.py), which composes a node's processes."""
