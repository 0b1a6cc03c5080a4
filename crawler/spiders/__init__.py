"""The spiders: ``optout`` crawls a seed list, ``optout_redis`` takes sites from a Redis queue.

A spider decides what to request for each site and turns each answer into a raw fetch record;
it interprets nothing (that is ``audits/``)."""
