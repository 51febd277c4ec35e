package storage

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mpdp/platform/shared/analytics"
	"github.com/mpdp/platform/shared/domain"
)

// Analytics and crash items (see keys.go for the rest of the layout):
//
//	daily stats      MP#<mp>#STATS       DAY#<day>#<version>   (version "all" for every version)
//	crash group      MP#<mp>#CRASHES     GROUP#<fingerprint>
//	crash day        MP#<mp>#CRASHDAYS   DAY#<day>#<fingerprint>
//	crash day rank   MP#<mp>#CRASHRANK   DAY#<day>             (the day's most frequent groups)
//	all-time visitors MP#<mp>#STATS      VISITORS             (HyperLogLog of every visitor ever)
//	applied batch    BATCH#<kind>#<batch key>#<chunk> BATCH   (expires by TTL after BatchMarkerTTL)
//
// Aggregate items carry a version: the worker reads them, merges a delta and
// writes them back under that version, in one transaction with the batch
// marker, so a redelivered batch changes nothing and concurrent workers retry.
const (
	skAllTime = "VISITORS"
	skBatch   = "BATCH"
)

// BatchMarkerTTL is how long an applied batch is remembered (longer than any
// client retry or SQS redelivery).
const BatchMarkerTTL = 7 * 24 * time.Hour

func statsKey(mp string) string        { return "MP#" + mp + "#STATS" }
func statsSK(day, v string) string     { return "DAY#" + day + "#" + v }
func crashesKey(mp string) string      { return "MP#" + mp + "#CRASHES" }
func groupSK(fp string) string         { return "GROUP#" + fp }
func crashDaysKey(mp string) string    { return "MP#" + mp + "#CRASHDAYS" }
func crashDaySK(day, fp string) string { return "DAY#" + day + "#" + fp }
func crashRankKey(mp string) string    { return "MP#" + mp + "#CRASHRANK" }
func batchKey(kind, key string) string { return "BATCH#" + kind + "#" + key }

// StatsItem is a stored DailyStats.
type StatsItem struct {
	keys
	analytics.DailyStats
	Visitors   []byte `dynamodbav:"visitorsHll"`
	CrashUsers []byte `dynamodbav:"crashUsersHll,omitempty"`
	MPVersion  string `dynamodbav:"mpVersion"` // DailyStats.Version (shadowed by the item's version)
	Version    int    `dynamodbav:"version"`
}

// CrashGroup is a stored crash group: the merge of every delta of one
// fingerprint, its status and, when it came back after being resolved, the
// regression.
type CrashGroup struct {
	analytics.CrashDelta
	Status      string     `json:"status"`
	ResolvedIn  string     `json:"resolvedIn,omitempty"`
	Regression  bool       `json:"regression"`
	RegressedIn string     `json:"regressedIn,omitempty"`
	UpdatedAt   *time.Time `json:"updatedAt,omitempty"`
	Version     int        `json:"version" dynamodbav:"version"`
}

type crashGroupItem struct {
	keys
	CrashGroup
	Users []byte `dynamodbav:"usersHll"`
}

// CrashDay is one fingerprint on one day.
type CrashDay struct {
	Fingerprint string
	Day         string
	Occurrences uint64
	Users       *analytics.HLL
}

type crashDayItem struct {
	keys
	Fingerprint string `dynamodbav:"fingerprint"`
	Day         string `dynamodbav:"day"`
	Occurrences uint64 `dynamodbav:"occurrences"`
	Users       []byte `dynamodbav:"usersHll"`
	Version     int    `dynamodbav:"version"`
}

func marshalHLL(h *analytics.HLL) []byte {
	if h == nil {
		h = analytics.NewHLL()
	}
	b, _ := h.MarshalBinary()
	return b
}

func unmarshalHLL(b []byte) *analytics.HLL {
	h := analytics.NewHLL()
	if len(b) > 0 {
		_ = h.UnmarshalBinary(b)
	}
	return h
}

// queryAll reads every item of partition pk whose sort key is between lo and hi.
func (s *Store) queryAll(ctx context.Context, pk, lo, hi string, max int) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	var start map[string]types.AttributeValue
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{TableName: &s.table,
			KeyConditionExpression:    aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":lo": str(lo), ":hi": str(hi)},
			ExclusiveStartKey:         start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, dbErr(err, "query %s", pk)
		}
		out = append(out, res.Items...)
		if len(res.LastEvaluatedKey) == 0 || len(out) >= max {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// MaxAnalyticsItems bounds what one read API call loads.
const MaxAnalyticsItems = 20000

// GetDailyStats reads the stats of one version (or analytics.AllVersions)
// of a mini program for the given days: only those items, by key, at most
// 100 per BatchGetItem. Days without stats are missing from the result.
func (s *Store) GetDailyStats(ctx context.Context, mp, version string, days []string) ([]analytics.DailyStats, error) {
	var out []analytics.DailyStats
	for i := 0; i < len(days); i += 100 {
		var ks [][2]string
		for _, d := range days[i:min(i+100, len(days))] {
			ks = append(ks, [2]string{statsKey(mp), statsSK(d, version)})
		}
		items, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, err
		}
		its, err := unmarshalAll[StatsItem](items)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			out = append(out, it.stats())
		}
	}
	return out, nil
}

// ListDailyStats reads a mini program's stats for days from..to (inclusive,
// YYYY-MM-DD), every version (for views across versions).
func (s *Store) ListDailyStats(ctx context.Context, mp, from, to string) ([]analytics.DailyStats, error) {
	items, err := s.queryAll(ctx, statsKey(mp), "DAY#"+from, "DAY#"+to+"#~", MaxAnalyticsItems)
	if err != nil {
		return nil, err
	}
	its, err := unmarshalAll[StatsItem](items)
	out := make([]analytics.DailyStats, len(its))
	for i, it := range its {
		out[i] = it.stats()
	}
	return out, err
}

func (it StatsItem) stats() analytics.DailyStats {
	d := it.DailyStats
	d.Visitors = unmarshalHLL(it.Visitors)
	if len(it.CrashUsers) > 0 {
		d.CrashUsers = unmarshalHLL(it.CrashUsers)
	}
	d.Version = it.MPVersion
	return d
}

// CrashStats are the crash figures of one version (or analytics.AllVersions)
// of a mini program over the days from..to (UTC, inclusive, at most
// analytics.MaxRangeDays): crash rate per 1,000 sessions and crash-free
// users, with their errors and whether the sample suffices
// (analytics.CrashStats). It reads that version's item of each day, by key.
// The launch workflow's rollout guard calls it.
func (s *Store) CrashStats(ctx context.Context, mp, version string, from, to time.Time) (analytics.CrashStats, error) {
	var days []string
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to) && len(days) < analytics.MaxRangeDays; d = d.AddDate(0, 0, 1) {
		days = append(days, analytics.Day(d))
	}
	stats, err := s.GetDailyStats(ctx, mp, version, days)
	if err != nil {
		return analytics.CrashStats{}, err
	}
	return analytics.ComputeCrashStats(version, stats), nil
}

// GetCrashDays reads one crash group's per-day counts on the given days (by
// key, at most 100 per BatchGetItem); days without crashes are missing.
func (s *Store) GetCrashDays(ctx context.Context, mp, fp string, days []string) ([]CrashDay, error) {
	var out []CrashDay
	for i := 0; i < len(days); i += 100 {
		var ks [][2]string
		for _, d := range days[i:min(i+100, len(days))] {
			ks = append(ks, [2]string{crashDaysKey(mp), crashDaySK(d, fp)})
		}
		items, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, err
		}
		its, err := unmarshalAll[crashDayItem](items)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			out = append(out, CrashDay{Fingerprint: it.Fingerprint, Day: it.Day, Occurrences: it.Occurrences, Users: unmarshalHLL(it.Users)})
		}
	}
	return out, nil
}

type crashRankItem struct {
	keys
	Day     string          `dynamodbav:"day"`
	Entries []rankEntryItem `dynamodbav:"entries"`
	Version int             `dynamodbav:"version"`
}

type rankEntryItem struct {
	Fingerprint string `dynamodbav:"f"`
	Occurrences uint64 `dynamodbav:"n"`
	Users       []byte `dynamodbav:"u"`
}

func rankItem(r analytics.CrashRank, version int) crashRankItem {
	it := crashRankItem{keys: keys{PK: crashRankKey(r.MiniProgramID), SK: "DAY#" + r.Day}, Day: r.Day, Version: version}
	for _, e := range r.Entries {
		it.Entries = append(it.Entries, rankEntryItem{e.Fingerprint, e.Occurrences, marshalHLL(e.Users)})
	}
	return it
}

func (it crashRankItem) rank() analytics.CrashRank {
	r := analytics.CrashRank{Day: it.Day}
	for _, e := range it.Entries {
		r.Entries = append(r.Entries, analytics.RankEntry{Fingerprint: e.Fingerprint, Occurrences: e.Occurrences, Users: unmarshalHLL(e.Users)})
	}
	return r
}

// GetCrashRanks reads the crash ranks of a mini program's days (by key, at
// most 100 per BatchGetItem); days without crashes are missing.
func (s *Store) GetCrashRanks(ctx context.Context, mp string, days []string) ([]analytics.CrashRank, error) {
	var out []analytics.CrashRank
	for i := 0; i < len(days); i += 100 {
		var ks [][2]string
		for _, d := range days[i:min(i+100, len(days))] {
			ks = append(ks, [2]string{crashRankKey(mp), "DAY#" + d})
		}
		items, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, err
		}
		its, err := unmarshalAll[crashRankItem](items)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			r := it.rank()
			r.MiniProgramID = mp
			out = append(out, r)
		}
	}
	return out, nil
}

// GetCrashGroup reads a crash group.
func (s *Store) GetCrashGroup(ctx context.Context, mp, fp string) (CrashGroup, error) {
	var it crashGroupItem
	if err := s.get(ctx, crashesKey(mp), groupSK(fp), &it); err != nil {
		return CrashGroup{}, err
	}
	return it.group(), nil
}

func (it crashGroupItem) group() CrashGroup {
	g := it.CrashGroup
	g.Users = unmarshalHLL(it.Users)
	return g
}

// GetCrashGroups reads the groups of fingerprints (missing ones are skipped).
func (s *Store) GetCrashGroups(ctx context.Context, mp string, fps []string) (map[string]CrashGroup, error) {
	out := map[string]CrashGroup{}
	for i := 0; i < len(fps); i += 100 {
		var ks [][2]string
		for _, fp := range fps[i:min(i+100, len(fps))] {
			ks = append(ks, [2]string{crashesKey(mp), groupSK(fp)})
		}
		items, err := s.batchGet(ctx, ks)
		if err != nil {
			return nil, err
		}
		its, err := unmarshalAll[crashGroupItem](items)
		if err != nil {
			return nil, err
		}
		for _, it := range its {
			out[it.Fingerprint] = it.group()
		}
	}
	return out, nil
}

// UpdateCrashGroup writes a group's status if it is still at before's version.
func (s *Store) UpdateCrashGroup(ctx context.Context, before, after CrashGroup) error {
	c, names, values := versionIs(before.Version)
	after.Version = before.Version + 1
	w, err := s.put(crashGroupItem{keys: keys{PK: crashesKey(after.MiniProgramID), SK: groupSK(after.Fingerprint)},
		CrashGroup: after, Users: marshalHLL(after.Users)}, c, names, values,
		domain.Errorf(domain.ErrStale, "the crash group changed since you read it; read it again and retry"))
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// ErrBatchApplied means a batch chunk was already applied.
var ErrBatchApplied = errors.New("batch already applied")

// AnalyticsWrite is one aggregate write of a batch chunk: exactly one field is set.
type AnalyticsWrite struct {
	Stats   *analytics.DailyStats // merged into the day's stats; its new visitors are counted on apply
	Crashes *analytics.DailyStats // crash counts merged into the day's stats (no visitors)
	Group   *analytics.CrashDelta // merged into the group
	Day     *analytics.CrashDelta // merged into the per-day item
	Rank    *analytics.CrashRank  // merged into the day's rank
}

// Weight is an upper bound of the write's item size, for sizing transactions.
func (w AnalyticsWrite) Weight() int {
	switch {
	case w.Group != nil:
		return 128 << 10
	case w.Stats != nil, w.Crashes != nil:
		return 40 << 10
	case w.Rank != nil:
		return analytics.MaxRanked * 3200 // a dense sketch per group
	}
	return 4 << 10
}

// AllTimeWeight is the weight of the all-time visitor sketch that a chunk
// writes once per mini program of its Stats writes.
const AllTimeWeight = 4 << 10

// ApplyAnalytics applies one chunk of a batch atomically: it records the
// chunk's marker (failing with ErrBatchApplied if it exists) and merges each
// write into its stored item under that item's version. The new visitors of
// the Stats writes are counted against their mini program's all-time visitor
// sketch, which is updated in the same transaction (one item per mini
// program, whatever the number of visitors). A concurrent change returns
// domain.ErrConflict: read again and retry.
func (s *Store) ApplyAnalytics(ctx context.Context, kind, chunkKey string, writes []AnalyticsWrite, now time.Time) error {
	marker, err := s.put(keys{PK: batchKey(kind, chunkKey), SK: skBatch, TTL: now.Add(BatchMarkerTTL).Unix()},
		notExists(), nil, nil, ErrBatchApplied)
	if err != nil {
		return err
	}
	conds := []cond{marker}
	conflict := domain.Errorf(domain.ErrConflict, "an aggregate changed concurrently; retry")
	byMP := map[string][]*analytics.DailyStats{}
	var mps []string
	for _, w := range writes {
		if w.Stats == nil {
			continue
		}
		d := *w.Stats
		if byMP[d.MiniProgramID] == nil {
			mps = append(mps, d.MiniProgramID)
		}
		byMP[d.MiniProgramID] = append(byMP[d.MiniProgramID], &d)
	}
	for _, mp := range mps {
		c, err := s.countNewVisitors(ctx, mp, byMP[mp], conflict)
		if err != nil {
			return err
		}
		conds = append(conds, c)
		for _, d := range byMP[mp] {
			if c, err = s.analyticsWrite(ctx, AnalyticsWrite{Stats: d}, now, conflict); err != nil {
				return err
			}
			conds = append(conds, c)
		}
	}
	for _, w := range writes {
		if w.Stats != nil {
			continue
		}
		c, err := s.analyticsWrite(ctx, w, now, conflict)
		if err != nil {
			return err
		}
		conds = append(conds, c)
	}
	return s.transact(ctx, "", conds...)
}

type allTimeItem struct {
	keys
	Visitors []byte `dynamodbav:"visitorsHll"`
	Version  int    `dynamodbav:"version"`
}

// countNewVisitors sets the new visitors of deltas (one mini program's, sorted
// by key) from its all-time sketch and returns the sketch's write.
func (s *Store) countNewVisitors(ctx context.Context, mp string, deltas []*analytics.DailyStats, conflict error) (cond, error) {
	sort.Slice(deltas, func(i, j int) bool { return deltas[i].Key() < deltas[j].Key() })
	var it allTimeItem
	if err := s.get(ctx, statsKey(mp), skAllTime, &it); err != nil && !errors.Is(err, domain.ErrNotFound) {
		return cond{}, err
	}
	ever := unmarshalHLL(it.Visitors)
	analytics.CountNewVisitors(ever, deltas)
	c, n, v := versionCond(it.Version)
	return s.put(allTimeItem{keys: keys{PK: statsKey(mp), SK: skAllTime}, Visitors: marshalHLL(ever), Version: it.Version + 1}, c, n, v, conflict)
}

func versionCond(v int) (string, map[string]string, map[string]types.AttributeValue) {
	if v == 0 {
		return notExists(), nil, nil
	}
	return versionIs(v)
}

func (s *Store) analyticsWrite(ctx context.Context, w AnalyticsWrite, now time.Time, conflict error) (cond, error) {
	switch {
	case w.Stats != nil, w.Crashes != nil:
		d := w.Stats
		if d == nil {
			d = w.Crashes
		}
		var it StatsItem
		err := s.get(ctx, statsKey(d.MiniProgramID), statsSK(d.Day, d.Version), &it)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return cond{}, err
		}
		cur := analytics.DailyStats{MiniProgramID: d.MiniProgramID, Day: d.Day, Version: d.Version}
		if err == nil {
			cur = it.stats()
		}
		cur.Merge(*d)
		c, n, v := versionCond(it.Version)
		var crashUsers []byte
		if cur.CrashUsers != nil {
			crashUsers = marshalHLL(cur.CrashUsers)
		}
		return s.put(StatsItem{keys: keys{PK: statsKey(d.MiniProgramID), SK: statsSK(d.Day, d.Version)}, DailyStats: cur,
			Visitors: marshalHLL(cur.Visitors), CrashUsers: crashUsers, MPVersion: cur.Version, Version: it.Version + 1}, c, n, v, conflict)
	case w.Group != nil:
		d := *w.Group
		var it crashGroupItem
		err := s.get(ctx, crashesKey(d.MiniProgramID), groupSK(d.Fingerprint), &it)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return cond{}, err
		}
		g := CrashGroup{Status: analytics.StatusOpen}
		if err == nil {
			g = it.group()
		}
		if v, ok := analytics.RegressionIn(g.Status, g.ResolvedIn, d.Versions); ok {
			g.Status, g.Regression, g.RegressedIn = analytics.StatusOpen, true, v
		}
		if g.Fingerprint == "" {
			g.CrashDelta = d
		} else {
			g.CrashDelta.Merge(d)
		}
		g.Day = ""
		t := now.UTC()
		g.UpdatedAt = &t
		ver := it.Version
		g.Version = ver + 1
		c, n, v := versionCond(ver)
		return s.put(crashGroupItem{keys: keys{PK: crashesKey(d.MiniProgramID), SK: groupSK(d.Fingerprint)}, CrashGroup: g,
			Users: marshalHLL(g.Users)}, c, n, v, conflict)
	case w.Day != nil:
		d := *w.Day
		var it crashDayItem
		err := s.get(ctx, crashDaysKey(d.MiniProgramID), crashDaySK(d.Day, d.Fingerprint), &it)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return cond{}, err
		}
		users := unmarshalHLL(it.Users)
		users.Merge(d.Users)
		c, n, v := versionCond(it.Version)
		return s.put(crashDayItem{keys: keys{PK: crashDaysKey(d.MiniProgramID), SK: crashDaySK(d.Day, d.Fingerprint)},
			Fingerprint: d.Fingerprint, Day: d.Day, Occurrences: it.Occurrences + d.Occurrences, Users: marshalHLL(users),
			Version: it.Version + 1}, c, n, v, conflict)
	case w.Rank != nil:
		var it crashRankItem
		err := s.get(ctx, crashRankKey(w.Rank.MiniProgramID), "DAY#"+w.Rank.Day, &it)
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			return cond{}, err
		}
		r := it.rank()
		r.MiniProgramID, r.Day = w.Rank.MiniProgramID, w.Rank.Day
		r.Merge(*w.Rank)
		c, n, v := versionCond(it.Version)
		return s.put(rankItem(r, it.Version+1), c, n, v, conflict)
	}
	return cond{}, errors.New("storage: empty analytics write")
}
