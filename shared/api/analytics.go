package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/mpdp/platform/shared/analytics"
	"github.com/mpdp/platform/shared/appkeys"
	"github.com/mpdp/platform/shared/domain"
	"github.com/mpdp/platform/shared/httpapi"
	"github.com/mpdp/platform/shared/ingest"
	"github.com/mpdp/platform/shared/lazyre"
	"github.com/mpdp/platform/shared/storage"
)

// Enqueuer queues accepted analytics batches for the analytics worker.
type Enqueuer interface {
	Send(ctx context.Context, body []byte) error
}

type ingestResult struct {
	Accepted int                   `json:"accepted"`
	Rejected []analytics.Rejection `json:"rejected"`
}

// runtimeIngest accepts a signed batch of events or crashes: each item is
// validated on its own; the accepted ones are queued for the analytics
// worker, and the answer (202) lists the rejected ones and why.
func (s *Server) runtimeIngest(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		h, err := appkeys.ParseHeaders(r.Header, s.Now())
		if err != nil {
			return unsigned(w, err.Error())
		}
		var v domain.ValidationError
		app := appParam.read(&v, r.URL.Query())
		if err := v.Err(); err != nil {
			return err
		}
		if err := s.verifyAppKeyBody(w, r, h, app, analytics.DefaultMaxBytes); err != nil {
			return err
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return httpapi.NewProblem(http.StatusBadRequest, "the request body could not be read")
		}
		var evs []analytics.Event
		var crs []analytics.Crash
		var rejected []analytics.Rejection
		if kind == ingest.KindEvents {
			evs, rejected, err = analytics.ParseBatch(body, analytics.DefaultMaxItems, analytics.DefaultMaxBytes, s.Now())
		} else {
			crs, rejected, err = analytics.ParseCrashBatch(body, analytics.DefaultMaxItems, analytics.DefaultMaxBytes, s.Now())
		}
		if err != nil {
			return httpapi.NewProblem(analytics.StatusOf(err), err.Error())
		}
		msgs, err := ingest.Split(kind, app, evs, crs)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := s.Analytics.Send(r.Context(), m); err != nil {
				return err
			}
		}
		if rejected == nil {
			rejected = []analytics.Rejection{}
		}
		httpapi.JSON(w, http.StatusAccepted, ingestResult{Accepted: len(evs) + len(crs), Rejected: rejected})
		return nil
	}
}

// analyticsMP checks the caller may act on the mini program and that it exists in ws.
func (s *Server) analyticsMP(r *http.Request, act domain.Action) (string, error) {
	mp, err := s.miniProgramIn(r, act)
	return mp.ID, err
}

func fieldErrors(err error) error {
	var fe analytics.FieldErrors
	if errors.As(err, &fe) {
		var v domain.ValidationError
		keys := make([]string, 0, len(fe))
		for k := range fe {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v.Add(k, "%s", fe[k])
		}
		return v.Err()
	}
	return err
}

type series struct {
	Metric   string                `json:"metric"`
	Version  string                `json:"version"`
	From     string                `json:"from"`
	To       string                `json:"to"`
	Points   []analytics.Point     `json:"points"`
	Total    float64               `json:"total"` // sum over the range for counts; for uniqueVisitors the distinct users of the range (approximate)
	TopPages []analytics.PageCount `json:"topPages"`
	// ErrorBound is the relative standard error of uniqueVisitors.
	ErrorBound float64 `json:"errorBound"`
	// TotalStdError is the standard error of Total in the metric's unit (0: exact).
	TotalStdError float64 `json:"totalStdError"`
}

// getAnalytics answers a metric's daily series over a range, reading only
// the requested version's item of each day.
func (s *Server) getAnalytics(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.analyticsMP(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sq, err := analytics.ParseSeriesQuery(q.Get("from"), q.Get("to"), q.Get("metric"), q.Get("version"), s.Now())
	if err != nil {
		return fieldErrors(err)
	}
	stats, err := s.Store.GetDailyStats(r.Context(), mp, sq.Version, sq.Days())
	if err != nil {
		return err
	}
	out := series{Metric: sq.Metric, Version: sq.Version, From: q.Get("from"), To: q.Get("to"), Points: sq.Series(stats),
		ErrorBound: analytics.HLLStdError}
	total, stdErr, merged := sq.Total(stats)
	switch sq.Metric {
	case analytics.MetricAvgSessionMs, analytics.MetricVisitDepth, analytics.MetricUniqueVisitors, analytics.MetricNewVisitors:
		out.Total, out.TotalStdError = total, stdErr
	default:
		for _, p := range out.Points {
			out.Total += p.Value
		}
	}
	out.TopPages = merged.TopPages(10)
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

var fingerprintPattern = lazyre.New(`^[0-9a-f]{8,64}$`)

type crashGroupView struct {
	Fingerprint      string    `json:"fingerprint"`
	Title            string    `json:"title"`
	Status           string    `json:"status"`
	ResolvedIn       string    `json:"resolvedIn,omitempty"`
	Regression       bool      `json:"regression"`
	RegressedIn      string    `json:"regressedIn,omitempty"`
	FirstSeen        time.Time `json:"firstSeen"`
	LastSeen         time.Time `json:"lastSeen"`
	Versions         []string  `json:"versions"`
	Occurrences      uint64    `json:"occurrences"`   // in the range
	AffectedUsers    uint64    `json:"affectedUsers"` // in the range, approximate
	TotalOccurrences uint64    `json:"totalOccurrences"`
	Version          int       `json:"version"`
}

func groupView(g storage.CrashGroup) crashGroupView {
	v := crashGroupView{Fingerprint: g.Fingerprint, Title: g.Title, Status: g.Status, ResolvedIn: g.ResolvedIn, Regression: g.Regression,
		RegressedIn: g.RegressedIn, FirstSeen: g.FirstSeen, LastSeen: g.LastSeen, Versions: g.Versions, Occurrences: g.Occurrences,
		TotalOccurrences: g.Occurrences, Version: g.Version}
	if v.Versions == nil {
		v.Versions = []string{}
	}
	if g.Users != nil {
		v.AffectedUsers = g.Users.Count()
	}
	return v
}

// crashRange validates from and to like the analytics series (metric and version unused).
func (s *Server) crashRange(r *http.Request) (analytics.SeriesQuery, error) {
	q := r.URL.Query()
	sq, err := analytics.ParseSeriesQuery(q.Get("from"), q.Get("to"), "", "", s.Now())
	return sq, fieldErrors(err)
}

// listCrashes lists the crash groups seen in a range, by occurrences or
// affected users in that range, a page at a time: it reads the precomputed
// rank of each day of the range (one item per day, see analytics.CrashRank),
// not every (group, day), and then only the page's groups.
func (s *Server) listCrashes(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.analyticsMP(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var v domain.ValidationError
	sortBy, status := q.Get("sort"), q.Get("status")
	if sortBy == "" {
		sortBy = "occurrences"
	}
	if sortBy != "occurrences" && sortBy != "users" {
		v.Add("sort", "must be occurrences or users")
	}
	if status != "" && !analytics.ValidStatus(status) {
		v.Add("status", "must be open, resolved or ignored")
	}
	if _, err := s.crashRange(r); err != nil {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				v.Add(f.Field, "%s", f.Message)
			}
		} else {
			return err
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	limit, err := httpapi.Limit(r)
	if err != nil {
		return err
	}
	cursor, err := analytics.DecodeRankCursor(q.Get("cursor"))
	if err != nil {
		v.Add("cursor", "%s", err.Error())
		return v.Err()
	}
	sq, _ := s.crashRange(r)
	ranks, err := s.Store.GetCrashRanks(r.Context(), mp, sq.Days())
	if err != nil {
		return err
	}
	byUsers := sortBy == "users"
	ranked := cursor.After(analytics.RankRange(ranks, byUsers), byUsers)
	// Read the groups of the ranked fingerprints in order, a page's worth at a
	// time (more only when a status filter skips some), until the page is full.
	out := httpapi.List[crashGroupView]{Items: []crashGroupView{}}
	for len(ranked) > 0 && len(out.Items) < limit {
		next := ranked[:min(len(ranked), limit-len(out.Items))]
		ranked = ranked[len(next):]
		fps := make([]string, len(next))
		for i, e := range next {
			fps[i] = e.Fingerprint
		}
		groups, err := s.Store.GetCrashGroups(r.Context(), mp, fps)
		if err != nil {
			return err
		}
		for _, e := range next {
			g, ok := groups[e.Fingerprint]
			if !ok || status != "" && g.Status != status {
				continue
			}
			gv := groupView(g)
			gv.Occurrences, gv.AffectedUsers = e.Occurrences, e.Users.Count()
			out.Items = append(out.Items, gv)
			if len(out.Items) == limit && len(ranked) > 0 {
				out.NextCursor = analytics.CursorAt(e, byUsers).Encode()
			}
		}
	}
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

type crashDetail struct {
	crashGroupView
	Days    []crashDayView    `json:"days"`
	Samples []analytics.Crash `json:"samples"`
}

type crashDayView struct {
	Day           string `json:"day"`
	Occurrences   uint64 `json:"occurrences"`
	AffectedUsers uint64 `json:"affectedUsers"`
}

func (s *Server) crashGroup(r *http.Request, act domain.Action) (storage.CrashGroup, error) {
	mp, err := s.analyticsMP(r, act)
	if err != nil {
		return storage.CrashGroup{}, err
	}
	fp := r.PathValue("fingerprint")
	if !fingerprintPattern.MatchString(fp) {
		return storage.CrashGroup{}, domain.Errorf(domain.ErrNotFound, "no crash group %s", fp)
	}
	g, err := s.Store.GetCrashGroup(r.Context(), mp, fp)
	if errors.Is(err, domain.ErrNotFound) {
		return g, domain.Errorf(domain.ErrNotFound, "no crash group %s", fp)
	}
	return g, err
}

// getCrash shows a crash group: counts per day over a range (default: the
// last 30 days) and the latest samples.
func (s *Server) getCrash(w http.ResponseWriter, r *http.Request) error {
	g, err := s.crashGroup(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" && to == "" {
		now := s.Now().UTC()
		from, to = analytics.Day(now.AddDate(0, 0, -29)), analytics.Day(now)
	}
	sq, err := analytics.ParseSeriesQuery(from, to, "", "", s.Now())
	if err != nil {
		return fieldErrors(err)
	}
	days, err := s.Store.GetCrashDays(r.Context(), g.MiniProgramID, g.Fingerprint, sq.Days())
	if err != nil {
		return err
	}
	byDay := map[string]storage.CrashDay{}
	for _, d := range days {
		byDay[d.Day] = d
	}
	out := crashDetail{crashGroupView: groupView(g), Days: []crashDayView{}, Samples: g.Samples}
	for _, d := range sq.Days() {
		dv := crashDayView{Day: d}
		if x, ok := byDay[d]; ok {
			dv.Occurrences, dv.AffectedUsers = x.Occurrences, x.Users.Count()
		}
		out.Days = append(out.Days, dv)
	}
	if out.Samples == nil {
		out.Samples = []analytics.Crash{}
	}
	httpapi.Entity(w, http.StatusOK, g.Version, out)
	return nil
}

type crashPatch struct {
	Status     string `json:"status"`
	ResolvedIn string `json:"resolvedIn"`
}

// patchCrash sets a crash group's status (developers and admins, If-Match).
// Resolving records resolvedIn (default: the newest version seen); a crash
// from a newer version later reopens the group with regression set.
func (s *Server) patchCrash(w http.ResponseWriter, r *http.Request) error {
	g, err := s.crashGroup(r, domain.ActDevelop)
	if err != nil {
		return err
	}
	expected, err := httpapi.IfMatch(r)
	if err != nil {
		return err
	}
	var in crashPatch
	if err := httpapi.Decode(r, &in); err != nil {
		return err
	}
	var v domain.ValidationError
	if !analytics.ValidStatus(in.Status) {
		v.Add("status", "must be open, resolved or ignored")
	}
	if in.ResolvedIn != "" {
		if in.Status != analytics.StatusResolved {
			v.Add("resolvedIn", "is only for status resolved")
		} else if _, err := domain.ParseSemver(in.ResolvedIn); err != nil {
			v.Add("resolvedIn", "must be a semantic version like 1.2.3")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	expected = httpapi.ExpectedVersion(expected, g.Version)
	if expected != g.Version {
		return domain.Errorf(domain.ErrStale, "the crash group is at version %d", g.Version)
	}
	after := g
	after.Status, after.ResolvedIn = in.Status, ""
	if in.Status == analytics.StatusResolved {
		after.ResolvedIn = in.ResolvedIn
		if after.ResolvedIn == "" && len(g.Versions) > 0 {
			after.ResolvedIn = g.Versions[len(g.Versions)-1]
		}
	}
	if in.Status != analytics.StatusOpen {
		after.Regression, after.RegressedIn = false, ""
	}
	now := s.Now().UTC()
	after.UpdatedAt = &now
	if err := s.Store.UpdateCrashGroup(r.Context(), g, after); err != nil {
		return err
	}
	after.Version = g.Version + 1
	httpapi.Entity(w, http.StatusOK, after.Version, groupView(after))
	return nil
}

type analyticsSummary struct {
	Version              string                `json:"version"`
	From                 string                `json:"from"`
	To                   string                `json:"to"`
	PreviousFrom         string                `json:"previousFrom"`
	PreviousTo           string                `json:"previousTo"`
	KPIs                 []analytics.KPI       `json:"kpis"`
	SessionsByOS         []analytics.Breakdown `json:"sessionsByOS"`
	SessionsByAppVersion []analytics.Breakdown `json:"sessionsByAppVersion"`
	Crashes              analytics.CrashStats  `json:"crashes"`
}

// getAnalyticsSummary answers every metric over a range beside the period
// before it, sessions by OS and host app version, and the crash figures: it
// reads the version's item of each day of both periods, by key.
func (s *Server) getAnalyticsSummary(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.analyticsMP(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sq, err := analytics.ParseSeriesQuery(q.Get("from"), q.Get("to"), "", q.Get("version"), s.Now())
	if err != nil {
		return fieldErrors(err)
	}
	prev := sq.PreviousPeriod()
	stats, err := s.Store.GetDailyStats(r.Context(), mp, sq.Version, append(prev.Days(), sq.Days()...))
	if err != nil {
		return err
	}
	var cur, before []analytics.DailyStats
	for _, st := range stats {
		if st.Day < analytics.Day(sq.From) {
			before = append(before, st)
		} else {
			cur = append(cur, st)
		}
	}
	out := analyticsSummary{Version: sq.Version, From: analytics.Day(sq.From), To: analytics.Day(sq.To),
		PreviousFrom: analytics.Day(prev.From), PreviousTo: analytics.Day(prev.To), KPIs: sq.KPIs(cur, before),
		Crashes: analytics.ComputeCrashStats(sq.Version, cur)}
	out.SessionsByOS, out.SessionsByAppVersion = sq.Breakdowns(cur)
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

// getAnalyticsVersions answers, per mini program version with stats in a range,
// its sessions, visitors, crash rate and crash-free users (newest version
// first); it reads the range's items of every version.
func (s *Server) getAnalyticsVersions(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.analyticsMP(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sq, err := analytics.ParseSeriesQuery(q.Get("from"), q.Get("to"), "", "", s.Now())
	if err != nil {
		return fieldErrors(err)
	}
	stats, err := s.Store.ListDailyStats(r.Context(), mp, analytics.Day(sq.From), analytics.Day(sq.To))
	if err != nil {
		return err
	}
	views := map[string]bool{}
	for _, st := range stats {
		if st.Version != analytics.AllVersions {
			views[st.Version] = true
		}
	}
	versions := make([]string, 0, len(views))
	for v := range views {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool {
		a, ea := domain.ParseSemver(versions[i])
		b, eb := domain.ParseSemver(versions[j])
		if ea != nil || eb != nil {
			return versions[i] > versions[j]
		}
		return a.Compare(b) > 0
	})
	out := httpapi.List[analytics.CrashStats]{Items: []analytics.CrashStats{}}
	for _, v := range versions {
		out.Items = append(out.Items, analytics.ComputeCrashStats(v, stats))
	}
	httpapi.JSON(w, http.StatusOK, out)
	return nil
}

type retention struct {
	Period  string             `json:"period"`
	From    string             `json:"from"`
	To      string             `json:"to"`
	Cohorts []analytics.Cohort `json:"cohorts"`
	// ErrorBound is the relative standard error of each sketch estimate the
	// counts come from; each cell states its own standard error.
	ErrorBound float64 `json:"errorBound"`
}

// getRetention answers daily or weekly cohorts of active visitors and how
// many came back in each following period, from the daily visitor sketches
// (the "all" item of each day the cohorts need, by key).
func (s *Server) getRetention(w http.ResponseWriter, r *http.Request) error {
	mp, err := s.analyticsMP(r, domain.ActRead)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rq, err := analytics.ParseRetentionQuery(q.Get("from"), q.Get("to"), q.Get("period"), s.Now())
	if err != nil {
		return fieldErrors(err)
	}
	stats, err := s.Store.GetDailyStats(r.Context(), mp, analytics.AllVersions, rq.Days(s.Now()))
	if err != nil {
		return err
	}
	httpapi.JSON(w, http.StatusOK, retention{Period: rq.Period, From: analytics.Day(rq.From), To: analytics.Day(rq.To),
		Cohorts: rq.Cohorts(stats, s.Now()), ErrorBound: analytics.HLLStdError})
	return nil
}
