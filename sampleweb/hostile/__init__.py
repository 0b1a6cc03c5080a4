"""The hostile web of ``make chaos``: hosts that misbehave on purpose (bombs, floods, hangs,
redirect traps, planted script), one case each."""
