"""`make chaos`: the whole system under steady load while its parts are killed, paused
and cut off from each other; then an audit of every invariant. See docs/reliability.md."""
