package storage

import (
	"context"

	"github.com/mpdp/platform/shared/domain"
)

type feedbackItem struct {
	keys
	domain.Feedback
}

func (it feedbackItem) feedback() domain.Feedback { return it.Feedback }

func feedbackRecord(f domain.Feedback) feedbackItem {
	created := timeKey(f.CreatedAt, f.ID)
	return feedbackItem{keys: keys{PK: feedbackKey(f.ID), SK: skFeedback, GSI1PK: feedbackListKey, GSI1SK: created,
		GSI2PK: feedbackByStatusKey(f.Status), GSI2SK: created}, Feedback: f}
}

// CreateFeedback stores new feedback.
func (s *Store) CreateFeedback(ctx context.Context, f domain.Feedback) error {
	w, err := s.put(feedbackRecord(f), notExists(), nil, nil, domain.Errorf(domain.ErrConflict, "feedback exists"))
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// GetFeedback reads one piece of feedback.
func (s *Store) GetFeedback(ctx context.Context, id string) (domain.Feedback, error) {
	return Get(ctx, s, FeedbackRef(id))
}

// FeedbackRef is one piece of feedback; an update replaces it whole.
func FeedbackRef(id string) Ref[domain.Feedback] {
	return ref(feedbackKey(id), skFeedback, feedbackItem.feedback, func(f domain.Feedback) int { return f.Version },
		func(s *Store, before, after domain.Feedback) ([]cond, error) {
			return s.putIfVersion(feedbackRecord(after), before.Version)
		})
}

// ListFeedback lists feedback newest first, all of it or of one status.
func (s *Store) ListFeedback(ctx context.Context, status domain.FeedbackStatus, limit int, cursor string) (Page[domain.Feedback], error) {
	q := query{index: "gsi1", pk: feedbackListKey, limit: limit, cursor: cursor, desc: true}
	if status != "" {
		q.index, q.pk = "gsi2", feedbackByStatusKey(status)
	}
	return queryPage(ctx, s, q, feedbackItem.feedback)
}
