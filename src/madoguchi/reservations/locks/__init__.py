"""Smart-lock keys for facility bookings (施策 No.2): the ``LockService`` protocol, the
RemoteLOCK client, webhook verification, PIN generation and a loopback sandbox.

No models here: the reservations app owns the keys and calls this adapter.
See docs/integrations/smartlock.md.
"""
