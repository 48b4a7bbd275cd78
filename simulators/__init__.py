"""Stand-ins for systems outside the syndicate (the ENT contractor, Chorus Pro), for demo and tests."""
