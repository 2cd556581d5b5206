"""What a tracker does: listing, check, derive, bulk, shard, history, sync, init."""
