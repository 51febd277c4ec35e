package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/mpdp/platform/shared/backoff"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/resources"
)

// Store reads and writes the platform's entities.
type Store struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

// New returns a store on table through db.
func New(db *dynamodb.Client, table string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, table: table, now: now}
}

// Page is one page of a list and the cursor of the next, if any.
type Page[T any] struct {
	Items []T
	Next  string
}

func (s *Store) get(ctx context.Context, pk, sk string, out any) error {
	item, err := s.getItem(ctx, pk, sk)
	if err != nil {
		return err
	}
	if item == nil {
		return domain.ErrNotFound
	}
	return attributevalue.UnmarshalMap(item, out)
}

// getItem reads one item; nil if there is none.
func (s *Store) getItem(ctx context.Context, pk, sk string) (map[string]types.AttributeValue, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, dbErr(err, "get %s/%s", pk, sk)
	}
	return res.Item, nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		resources.Table.PartitionKey: &types.AttributeValueMemberS{Value: pk},
		resources.Table.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

// query reads one page of the items under partition value pk of index ("" for
// the table), newest first when desc.
type query struct {
	index  string
	pk     string
	prefix string // optional begins_with on the sort key
	limit  int
	cursor string
	desc   bool
	// Optional filter, applied by DynamoDB after limit: a page may hold fewer
	// items than the limit (even none) and still have a next cursor.
	filter       string
	filterNames  map[string]string
	filterValues map[string]types.AttributeValue
}

func (s *Store) query(ctx context.Context, q query) ([]map[string]types.AttributeValue, string, error) {
	shape := cursorShape{pkAttr: resources.Table.PartitionKey, skAttr: resources.Table.SortKey, pk: q.pk, prefix: q.prefix}
	var index *string
	if q.index != "" {
		for _, ix := range resources.Table.Indexes {
			if ix.Name == q.index {
				shape.pkAttr, shape.skAttr = ix.PartitionKey, ix.SortKey
			}
		}
		index = aws.String(q.index)
	}
	pkAttr, skAttr := shape.pkAttr, shape.skAttr
	start, err := decodeCursor(q.cursor, shape)
	if err != nil {
		return nil, "", err
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 index,
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": pkAttr},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: q.pk}},
		Limit:                     aws.Int32(int32(q.limit)),
		ExclusiveStartKey:         start,
		ScanIndexForward:          aws.Bool(!q.desc),
	}
	if q.prefix != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :prefix)")
		in.ExpressionAttributeNames["#sk"] = skAttr
		in.ExpressionAttributeValues[":prefix"] = &types.AttributeValueMemberS{Value: q.prefix}
	}
	if q.filter != "" {
		in.FilterExpression = aws.String(q.filter)
		for k, v := range q.filterNames {
			in.ExpressionAttributeNames[k] = v
		}
		for k, v := range q.filterValues {
			in.ExpressionAttributeValues[k] = v
		}
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", dbErr(err, "query %s %s", q.index, q.pk)
	}
	return res.Items, encodeCursor(res.LastEvaluatedKey), nil
}

// Cursors are the last evaluated key, base64url JSON of its string attributes.
// A decoded cursor must belong to the partition being queried, so a forged or
// mismatched cursor is a 400, never a DynamoDB validation error.
func encodeCursor(lek map[string]types.AttributeValue) string {
	if len(lek) == 0 {
		return ""
	}
	m := map[string]string{}
	for k, v := range lek {
		if s, ok := v.(*types.AttributeValueMemberS); ok {
			m[k] = s.Value
		}
	}
	b, _ := json.Marshal(m)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrBadCursor is returned for a cursor that this list did not produce.
var ErrBadCursor = &domain.ValidationError{Fields: []domain.FieldError{{Field: "cursor", Message: "is not a cursor this list returned; start again without it"}}}

// cursorShape is the key a list's cursor must decode to: the table's key
// attributes, plus the index's when the list reads an index (DynamoDB refuses
// any other set), with the queried partition and, for a list of one kind of
// item, a sort key of that kind.
type cursorShape struct {
	pkAttr, pk     string // the queried partition
	skAttr, prefix string // the queried sort key attribute and its required prefix, if any
}

func (c cursorShape) attrs() []string {
	attrs := []string{resources.Table.PartitionKey, resources.Table.SortKey}
	if c.pkAttr != resources.Table.PartitionKey {
		attrs = append(attrs, c.pkAttr, c.skAttr)
	}
	return attrs
}

// DynamoDB's limits on key values, in bytes.
const (
	maxPartitionKeyBytes = 2048
	maxSortKeyBytes      = 1024
)

func decodeCursor(c string, shape cursorShape) (map[string]types.AttributeValue, error) {
	if c == "" {
		return nil, nil
	}
	if len(c) > 2048 {
		return nil, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, ErrBadCursor
	}
	var m map[string]string
	if json.Unmarshal(b, &m) != nil || m[shape.pkAttr] != shape.pk || !strings.HasPrefix(m[shape.skAttr], shape.prefix) {
		return nil, ErrBadCursor
	}
	attrs := shape.attrs()
	if len(m) != len(attrs) {
		return nil, ErrBadCursor
	}
	out := map[string]types.AttributeValue{}
	for i, a := range attrs {
		v, ok := m[a]
		limit := maxSortKeyBytes
		if i%2 == 0 {
			limit = maxPartitionKeyBytes
		}
		if !ok || v == "" || len(v) > limit {
			return nil, ErrBadCursor
		}
		out[a] = &types.AttributeValueMemberS{Value: v}
	}
	return out, nil
}

// cond is one conditional write of a transaction and the error its failed
// condition means.
type cond struct {
	item types.TransactWriteItem
	fail error
}

// transact runs writes atomically. A failed condition returns that write's error.
func (s *Store) transact(ctx context.Context, token string, writes ...cond) error {
	// A creating request's Idempotency-Key record goes first, so that a key
	// used meanwhile is what a failure reports (the request then replays).
	idem, p, err := s.idempotencyWrite(ctx)
	if err != nil {
		return err
	}
	if idem != nil {
		writes = append([]cond{*idem}, writes...)
	}
	if err := s.transactItems(ctx, token, writes); err != nil {
		return err
	}
	if p != nil {
		p.markCommitted(true)
	}
	return nil
}

func (s *Store) transactItems(ctx context.Context, token string, writes []cond) error {
	items := make([]types.TransactWriteItem, len(writes))
	for i, w := range writes {
		items[i] = w.item
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: items}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := s.db.TransactWriteItems(ctx, in)
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		for i, r := range canceled.CancellationReasons {
			if r.Code != nil && *r.Code == "ConditionalCheckFailed" && i < len(writes) {
				return writes[i].fail
			}
		}
		for _, r := range canceled.CancellationReasons {
			if r.Code != nil && *r.Code == "TransactionConflict" {
				return domain.Errorf(domain.ErrConflict, "another change to the same data happened at the same time; retry")
			}
		}
	}
	if err != nil {
		return dbErr(err, "transact")
	}
	return nil
}

func (s *Store) put(v any, condition string, names map[string]string, values map[string]types.AttributeValue, fail error) (cond, error) {
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		return cond{}, err
	}
	p := &types.Put{TableName: &s.table, Item: item}
	if condition != "" {
		p.ConditionExpression = &condition
		p.ExpressionAttributeNames = names
		p.ExpressionAttributeValues = values
	}
	return cond{item: types.TransactWriteItem{Put: p}, fail: fail}, nil
}

func (s *Store) del(pk, sk, condition string, names map[string]string, values map[string]types.AttributeValue, fail error) cond {
	d := &types.Delete{TableName: &s.table, Key: key(pk, sk)}
	if condition != "" {
		d.ConditionExpression = &condition
		d.ExpressionAttributeNames = names
		d.ExpressionAttributeValues = values
	}
	return cond{item: types.TransactWriteItem{Delete: d}, fail: fail}
}

func (s *Store) update(pk, sk, expr, condition string, names map[string]string, values map[string]types.AttributeValue, fail error) cond {
	u := &types.Update{TableName: &s.table, Key: key(pk, sk), UpdateExpression: &expr,
		ExpressionAttributeNames: names, ExpressionAttributeValues: values}
	if condition != "" {
		u.ConditionExpression = &condition
	}
	return cond{item: types.TransactWriteItem{Update: u}, fail: fail}
}

// single runs one conditional write outside a transaction.
func (s *Store) single(ctx context.Context, c cond) error {
	if p := idempotencyOf(ctx); p != nil && p.prepared() {
		return s.transact(ctx, "", c) // the record joins the write
	}
	var err error
	switch {
	case c.item.Put != nil:
		p := c.item.Put
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression,
			ExpressionAttributeNames: p.ExpressionAttributeNames, ExpressionAttributeValues: p.ExpressionAttributeValues})
	case c.item.Update != nil:
		u := c.item.Update
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
			ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
	case c.item.Delete != nil:
		d := c.item.Delete
		_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: d.TableName, Key: d.Key, ConditionExpression: d.ConditionExpression,
			ExpressionAttributeNames: d.ExpressionAttributeNames, ExpressionAttributeValues: d.ExpressionAttributeValues})
	}
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return c.fail
	}
	if err != nil {
		return dbErr(err, "write")
	}
	return nil
}

// versionIs is the optimistic-locking condition.
func versionIs(v int) (string, map[string]string, map[string]types.AttributeValue) {
	return "#version = :expected", map[string]string{"#version": "version"},
		map[string]types.AttributeValue{":expected": num(v)}
}

func num(n int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }
func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func notExists() string { return "attribute_not_exists(pk)" }

// queryPage reads one page of items of kind I and turns each into a T.
func queryPage[I, T any](ctx context.Context, s *Store, q query, entity func(I) T) (Page[T], error) {
	items, next, err := s.query(ctx, q)
	if err != nil {
		return Page[T]{}, err
	}
	its, err := unmarshalAll[I](items)
	page := Page[T]{Next: next, Items: make([]T, len(its))}
	for i, it := range its {
		page.Items[i] = entity(it)
	}
	return page, err
}

func unmarshalAll[T any](items []map[string]types.AttributeValue) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		var v T
		if err := attributevalue.UnmarshalMap(it, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// batchGet reads up to 100 items by key, in no particular order.
func (s *Store) batchGet(ctx context.Context, ks [][2]string) ([]map[string]types.AttributeValue, error) {
	if len(ks) == 0 {
		return nil, nil
	}
	req := make([]map[string]types.AttributeValue, len(ks))
	for i, k := range ks {
		req[i] = key(k[0], k[1])
	}
	var out []map[string]types.AttributeValue
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: req, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(pending) > 0 && len(pending[s.table].Keys) > 0; attempt++ {
		if attempt > 0 {
			if err := backoff.Sleep(ctx, time.Duration(attempt*attempt)*20*time.Millisecond); err != nil {
				return nil, fmt.Errorf("batch get: %w", err)
			}
		}
		if attempt > 5 {
			return nil, fmt.Errorf("batch get: %w: unprocessed keys remain", domain.ErrUnavailable)
		}
		res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, dbErr(err, "batch get")
		}
		out = append(out, res.Responses[s.table]...)
		pending = res.UnprocessedKeys
	}
	return out, nil
}

// dbErr wraps a DynamoDB error. Throttling, server faults and network failures
// mean DynamoDB is unavailable (503, retry later); anything else is our bug (500).
func dbErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorFault() == smithy.FaultServer || throttling[api.ErrorCode()] {
		return fmt.Errorf("%s: %w: %w", what, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

var throttling = map[string]bool{
	"ProvisionedThroughputExceededException": true, "ThrottlingException": true,
	"RequestLimitExceeded": true, "LimitExceededException": true, "InternalServerError": true,
}

func attributevalueMarshal(v any) (types.AttributeValue, error) { return attributevalue.Marshal(v) }
