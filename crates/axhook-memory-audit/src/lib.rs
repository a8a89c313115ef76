//! Nothing to ship: see `tests/freed_memory.rs`, which swaps in an allocator that inspects
//! every block as it is freed, to show that axhook wipes its keys and pre-keyed HMAC states.
