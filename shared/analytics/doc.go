// Package analytics is the pure core of runtime analytics and crash quality:
// parsing and validating ingestion batches, fingerprinting crash stacks,
// HyperLogLog sketches for distinct counts, and folding events and crashes
// into the per-day aggregate deltas that a worker writes to storage.
//
// It does no I/O and knows nothing about AWS; callers pass the clock (now)
// and any look-ups (see Aggregator.Seen).
//
// Wire format decisions:
//   - Timestamps are RFC 3339 strings with an offset or Z, e.g.
//     "2025-03-01T12:00:00.123Z". Days are UTC calendar days (YYYY-MM-DD).
//   - A batch is {"items":[...]}; each item is decoded on its own, so one bad
//     item is rejected (Rejection{index,id,reason}) and the rest accepted.
//
// Exactly-once counting: ParseBatch rejects an id repeated inside a batch and
// Aggregator ignores ids it has already folded. A batch retried by the client
// or redelivered by the queue carries the same accepted ids, so BatchKey(ids)
// is the same; the worker records that key in the same conditional
// transaction as the aggregate updates, so a retried batch is never counted
// twice while storage writes still scale with the number of aggregates, not
// with the number of events.
package analytics
