"""The words of generated alternative hosts (`<adjective>-<noun>-<4 chars>.<domain>`, as
Codehooks' `gracious-inlet-fd79.codehooks.io`): short, plain, neutral English words,
lower-case a-z only. 64 x 64 pairs x 36^4 suffixes: about 6.9 billion names."""

ADJECTIVES: tuple[str, ...] = (
    "able", "amber", "ample", "autumn", "azure", "balmy", "bold", "brave", "breezy", "bright",
    "brisk", "calm", "careful", "cheerful", "clear", "clever", "cool", "cozy", "crisp",
    "curious", "daring", "dawn", "eager", "early", "easy", "fair", "fancy", "fast", "fine",
    "fresh", "gentle", "glad", "golden", "grand", "green", "happy", "honest", "humble", "jolly",
    "keen", "kind", "lively", "lucky", "mellow", "merry", "mild", "modest", "neat", "noble",
    "patient", "polite", "proud", "quick", "quiet", "rapid", "ready", "silver", "smart",
    "steady", "sunny", "swift", "tidy", "vivid", "warm",
)

NOUNS: tuple[str, ...] = (
    "acorn", "anchor", "arbor", "bay", "beacon", "birch", "brook", "canyon", "cedar", "cliff",
    "cloud", "comet", "coral", "cove", "creek", "delta", "dune", "ember", "falcon", "fern",
    "field", "fjord", "forest", "garden", "glade", "grove", "harbor", "haven", "heron", "hill",
    "inlet", "island", "lagoon", "lake", "lantern", "maple", "meadow", "mesa", "moon",
    "orchard", "otter", "pebble", "pine", "planet", "prairie", "quartz", "rain", "reef",
    "ridge", "river", "robin", "sail", "shore", "sky", "spring", "star", "stone", "summit",
    "thicket", "tide", "valley", "willow", "wind", "harvest",
)
