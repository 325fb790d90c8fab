"""Hydra plugin of territorial-alliances: the batched sweeper (see :mod:`.batched_sweeper`)."""
