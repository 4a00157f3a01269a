"""Control events on core NATS: a change to a space (deployment, tokens,
settings) is announced so routers and executors drop what they cached."""

SPACE_CHANGED = "brygge.events.space"


def space_changed(space_id: str) -> str:
    return f"{SPACE_CHANGED}.{space_id}"
