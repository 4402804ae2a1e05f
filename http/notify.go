package http

import (
	"net/http"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// Notification routes (docs/notifications.md). Every member reads its
// organisation's in-app list and marks items read for itself; only the
// organisation's admins choose channels and events and read and replay
// the delivery log. A channel or delivery id of another organisation is
// 404, as is another organisation's list.
func (s *Server) registerNotifyRoutes() {
	s.handle("GET /api/v1/notifications", s.authenticate(s.handleInApp))
	s.handle("POST /api/v1/notifications/read", s.authenticate(s.handleMarkRead))
	s.handle("GET /api/v1/orgs/{id}/channels", s.authenticate(s.handleChannels))
	s.handle("POST /api/v1/orgs/{id}/channels", s.authenticate(s.handleCreateChannel))
	s.handle("PATCH /api/v1/channels/{id}", s.authenticate(s.handleUpdateChannel))
	s.handle("DELETE /api/v1/channels/{id}", s.authenticate(s.handleDeleteChannel))
	s.handle("GET /api/v1/orgs/{id}/deliveries", s.authenticate(s.handleDeliveries))
	s.handle("GET /api/v1/deliveries/{id}", s.authenticate(s.handleDelivery))
	s.handle("POST /api/v1/deliveries/{id}/replay", s.authenticate(s.handleReplay))
}

// notifications returns the notification service, or EUNAVAILABLE.
func (s *Server) notifications() (ucx.NotificationService, error) {
	if s.NotificationService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "notifications are not available on this server")
	}
	return s.NotificationService, nil
}

func (s *Server) handleInApp(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	var f ucx.InAppFilter
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	switch q.Get("unread") {
	case "", "false", "0":
	case "true", "1":
		f.Unread = true
	default:
		s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "unread", "unread must be true or false"))
		return
	}
	items, total, unread, err := ns.InApp(r.Context(), p, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := wire.InAppResponse{Items: []*wire.InAppItem{}, Total: total, Unread: unread, Offset: f.Offset, Limit: f.Limit}
	for _, it := range items {
		out.Items = append(out.Items, wire.InAppItemOf(it))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var in wire.MarkReadRequest
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	n, err := ns.MarkRead(r.Context(), p, in.IDs, in.All)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	left, err := ns.UnreadCount(r.Context(), p)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.MarkReadResponse{Marked: n, Unread: left})
}

func (s *Server) handleChannels(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, org, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	cs, err := ns.Channels(r.Context(), p, org)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Channel]{Items: nonNil(cs), Total: len(cs), Limit: len(cs)})
}

// handleCreateChannel adds a channel; a webhook's signing secret is in
// the answer, the only time it is shown.
func (s *Server) handleCreateChannel(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, org, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	var in ucx.ChannelInput
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := ns.CreateChannel(r.Context(), p, org, &in)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) handleUpdateChannel(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	var in wire.ChannelUpdate
	if err := s.decodeJSON(w, r, &in, false); err != nil {
		s.Error(w, r, err)
		return
	}
	version, err := requestVersion(r, in.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	c, err := ns.UpdateChannel(r.Context(), p, p.OrgID, id, version, &in.ChannelInput)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("ETag", etag(c.Version))
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) handleDeleteChannel(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	if err := ns.DeleteChannel(r.Context(), p, p.OrgID, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, org, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	q := r.URL.Query()
	var f ucx.DeliveryFilter
	var err error
	if f.Offset, f.Limit, err = wire.Paging(q); err != nil {
		s.Error(w, r, err)
		return
	}
	f.State = q.Get("state")
	if v := q.Get("channel"); v != "" {
		if f.ChannelID, err = strconv.ParseInt(v, 10, 64); err != nil || f.ChannelID < 1 {
			s.Error(w, r, ucx.FieldErrorf(ucx.EINVALID, "channel", "channel must be a channel's id"))
			return
		}
	}
	ds, total, err := ns.Deliveries(r.Context(), p, org, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.Delivery]{Items: nonNil(ds), Total: total, Offset: f.Offset, Limit: f.Limit})
}

func (s *Server) handleDelivery(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	d, err := ns.Delivery(r.Context(), p, p.OrgID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleReplay(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := serviceAndID(s, w, r, s.notifications)
	if !ok {
		return
	}
	d, err := ns.ReplayDelivery(r.Context(), p, p.OrgID, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
