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
	var it feedbackItem
	err := s.get(ctx, feedbackKey(id), skFeedback, &it)
	return it.Feedback, err
}

// UpdateFeedback stores after if the feedback is still at before's version.
func (s *Store) UpdateFeedback(ctx context.Context, before, after domain.Feedback) error {
	c, names, values := versionIs(before.Version)
	w, err := s.put(feedbackRecord(after), c, names, values, domain.ErrStale)
	if err != nil {
		return err
	}
	return s.single(ctx, w)
}

// ListFeedback lists feedback newest first, all of it or of one status.
func (s *Store) ListFeedback(ctx context.Context, status domain.FeedbackStatus, limit int, cursor string) (Page[domain.Feedback], error) {
	q := query{index: "gsi1", pk: feedbackListKey, limit: limit, cursor: cursor, desc: true}
	if status != "" {
		q.index, q.pk = "gsi2", feedbackByStatusKey(status)
	}
	return queryPage(ctx, s, q, feedbackItem.feedback)
}
