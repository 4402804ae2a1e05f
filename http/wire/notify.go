package wire

import "github.com/ucxdev/ucx"

// InAppResponse is the body of GET /api/v1/notifications: a page of the
// caller's organisation's in-app notifications, each with its message in
// Chinese and English, and how many the caller has not read (the bell).
type InAppResponse struct {
	Items  []*InAppItem `json:"items"`
	Total  int          `json:"total"`
	Unread int          `json:"unread"`
	Offset int          `json:"offset"`
	Limit  int          `json:"limit"`
}

// InAppItem is one in-app notification with its message in both
// languages, so that a client needs no catalogue of its own.
type InAppItem struct {
	*ucx.InAppItem
	Text map[string]string `json:"text"`
}

// InAppItemOf words it in both languages.
func InAppItemOf(it *ucx.InAppItem) *InAppItem {
	return &InAppItem{InAppItem: it, Text: map[string]string{
		ucx.LangZH: ucx.NotificationText(&it.Notification, ucx.LangZH),
		ucx.LangEN: ucx.NotificationText(&it.Notification, ucx.LangEN),
	}}
}

// MarkReadRequest is the body of POST /api/v1/notifications/read: the
// items to mark read for the caller, or all of them.
type MarkReadRequest struct {
	IDs []int64 `json:"ids,omitempty"`
	All bool    `json:"all,omitempty"`
}

// MarkReadResponse says how many were unread and how many still are.
type MarkReadResponse struct {
	Marked int `json:"marked"`
	Unread int `json:"unread"`
}

// ChannelUpdate is the body of PATCH /api/v1/channels/{id}: the changes
// and, unless If-Match gives it, the version they are made at.
type ChannelUpdate struct {
	ucx.ChannelInput
	Version *int `json:"version,omitempty"`
}
