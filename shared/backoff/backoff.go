// Package backoff waits between retries without outliving the request: a retry
// loop that sleeps past its context's end keeps a Lambda (and its caller) busy
// for nothing.
package backoff

import (
	"context"
	"time"
)

// Sleep waits for d, or returns ctx's error as soon as ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
