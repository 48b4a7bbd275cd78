"""Stand-ins for the systems outside the syndicate (the ENT contractor, Chorus Pro), for the demo and tests."""
