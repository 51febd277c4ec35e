package storage

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/domain"
)

// IdempotencyTTL is how long a creating POST's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// Replay is what a request with a known Idempotency-Key finds.
type Replay struct {
	RequestHash string `dynamodbav:"requestHash"`
	Done        bool   `dynamodbav:"done"`
	Status      int    `dynamodbav:"status"`
	Body        string `dynamodbav:"body"`
	ContentType string `dynamodbav:"contentType"`
	ETag        string `dynamodbav:"etag"`
	Location    string `dynamodbav:"location,omitempty"`
	StartedAt   string `dynamodbav:"startedAt"`
}

type idemItem struct {
	keys
	Replay
}

// Idempotent is a creating request's Idempotency-Key on its way to the
// entity's write. The request prepares the response it will answer (Respond)
// before it writes; the first transaction (or single write) of the request
// then also puts the record, on condition that the key is unused, so the
// entity and the record exist together or not at all, and of two identical
// requests racing exactly one creates (the other's write fails with
// ErrKeyUsed and it replays). It travels in the request's context
// (WithIdempotency), so the writes of every use case carry it without knowing.
type Idempotent struct {
	Scope, Key, RequestHash string

	mu        sync.Mutex
	replay    *Replay
	committed bool
}

// ErrKeyUsed is a write refused because its Idempotency-Key was used by a
// request that completed meanwhile: answer that request's record instead.
var ErrKeyUsed = domain.Errorf(domain.ErrConflict, "a request with this Idempotency-Key was completed meanwhile; retry to see its answer")

type idemCtxKey struct{}

// WithIdempotency returns ctx carrying p for the writes made under it (nil:
// none, for writes that are never the entity, like a request counter).
func WithIdempotency(ctx context.Context, p *Idempotent) context.Context {
	return context.WithValue(ctx, idemCtxKey{}, p)
}

// IdempotencyOf is the Idempotent that ctx carries, or nil.
func IdempotencyOf(ctx context.Context) *Idempotent { return idempotencyOf(ctx) }

func idempotencyOf(ctx context.Context) *Idempotent {
	p, _ := ctx.Value(idemCtxKey{}).(*Idempotent)
	return p
}

// Respond sets the response the request will answer, to be stored with its next write.
func (p *Idempotent) Respond(r Replay) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r.RequestHash, r.Done = p.RequestHash, true
	p.replay = &r
}

// Committed reports whether the record was written with the entity, and
// whether it holds the response (else it is a claim to finish).
func (p *Idempotent) Committed() (written, complete bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.committed, p.committed && p.replay != nil
}

// idempotencyWrite is the record's conditional put for the request in ctx,
// if it has prepared its response and not yet written it; nil otherwise.
func (s *Store) idempotencyWrite(ctx context.Context) (*cond, *Idempotent, error) {
	p := idempotencyOf(ctx)
	if p == nil {
		return nil, nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.committed {
		return nil, nil, nil
	}
	// Without a prepared response the write claims the key (done false), and
	// FinishIdempotent stores the response after.
	r := Replay{RequestHash: p.RequestHash}
	if p.replay != nil {
		r = *p.replay
	}
	r.StartedAt = timeValue(s.now())
	w, err := s.put(idemItem{keys: keys{PK: idemKey(p.Scope, p.Key), SK: skIdem, TTL: s.now().Add(IdempotencyTTL).Unix()}, Replay: r},
		notExists(), nil, nil, ErrKeyUsed)
	if err != nil {
		return nil, nil, err
	}
	return &w, p, nil
}

// prepared reports whether a response waits to be written with the next write.
func (p *Idempotent) prepared() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.replay != nil && !p.committed
}

func (p *Idempotent) markCommitted(v bool) {
	p.mu.Lock()
	p.committed = v
	p.mu.Unlock()
}

// forgetIdempotency is the delete of the request's record written with an
// entity that the request then undid (a compensation): a retry must not
// replay a success that was taken back. Nil if no record was written.
func (s *Store) forgetIdempotency(ctx context.Context) (*cond, *Idempotent) {
	p := idempotencyOf(ctx)
	if written, _ := p.Committed(); p == nil || !written {
		return nil, nil
	}
	d := s.del(idemKey(p.Scope, p.Key), skIdem, "", nil, nil, nil)
	return &d, p
}

// GetIdempotent reads the record of key in scope, nil if there is none.
func (s *Store) GetIdempotent(ctx context.Context, scope, key string) (*Replay, error) {
	var it idemItem
	err := s.get(ctx, idemKey(scope, key), skIdem, &it)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &it.Replay, nil
}

// FinishIdempotent stores the response to replay for key after a request
// whose writes did not carry it: over the claim its write made (claimed), or
// else unless the key was used meanwhile (ErrKeyUsed).
func (s *Store) FinishIdempotent(ctx context.Context, scope, key string, r Replay, claimed bool) error {
	r.Done, r.StartedAt = true, timeValue(s.now())
	it := idemItem{keys: keys{PK: idemKey(scope, key), SK: skIdem, TTL: s.now().Add(IdempotencyTTL).Unix()}, Replay: r}
	c, values := notExists(), map[string]types.AttributeValue(nil)
	if claimed {
		c, values = "requestHash = :hash AND done = :false", map[string]types.AttributeValue{":hash": str(r.RequestHash),
			":false": &types.AttributeValueMemberBOOL{Value: false}}
	}
	w, err := s.put(it, c, nil, values, ErrKeyUsed)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// AbandonIdempotent frees key from the claim of a request that failed after
// its write, so a retry can run.
func (s *Store) AbandonIdempotent(ctx context.Context, scope, key string) error {
	return s.single(ctx, s.del(idemKey(scope, key), skIdem, "done = :false", nil,
		map[string]types.AttributeValue{":false": &types.AttributeValueMemberBOOL{Value: false}}, domain.ErrConflict))
}
