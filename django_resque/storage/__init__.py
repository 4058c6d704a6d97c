"""Redis plumbing and the wire format: the client, kept connections, Lua scripts, the key map."""
