package html

// Notifications in the web UI: the bell's list for every member, and the
// organisation's notification settings and delivery log for its admins
// (docs/notifications.md). The store decides who may do what; these pages
// only ask and show.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// registerNotify mounts the notification pages.
func (s *UI) registerNotify(h func(pattern string, h http.HandlerFunc)) {
	h("GET /notifications", s.uiAuth(s.uiNotifications))
	h("POST /notifications/read", s.uiAuth(s.uiMarkRead))
	h("GET /settings/notifications", s.uiAuth(s.uiNotifySettings))
	h("POST /settings/notifications/channels", s.uiAuth(s.uiCreateChannel))
	h("POST /settings/notifications/channels/{id}", s.uiAuth(s.uiChangeChannel))
	h("GET /settings/notifications/deliveries", s.uiAuth(s.uiDeliveries))
	h("GET /settings/notifications/deliveries/{id}", s.uiAuth(s.uiDelivery))
	h("POST /settings/notifications/deliveries/{id}/replay", s.uiAuth(s.uiReplay))
}

// notifications returns the service, or EUNAVAILABLE.
func (s *UI) notifications() (ucx.NotificationService, error) {
	if s.NotificationService == nil {
		return nil, ucx.Errorf(ucx.EUNAVAILABLE, "notifications are not available on this server")
	}
	return s.NotificationService, nil
}

// UnreadText is the bell's count: 999+ past what the store counts.
func (b *uiBase) UnreadText() string {
	if b.Unread >= 1000 {
		return "999+"
	}
	return strconv.Itoa(b.Unread)
}

// NotifyText is a notification's message in the page's language.
func (b *uiBase) NotifyText(n *ucx.Notification) string {
	if b.Lang == "zh" {
		return ucx.NotificationText(n, ucx.LangZH)
	}
	return ucx.NotificationText(n, ucx.LangEN)
}

// EventName is an event's name in the page's language.
func (b *uiBase) EventName(e ucx.NotifyEvent) string { return b.T("notify.event." + string(e)) }

type uiNotificationsPage struct {
	uiBase
	Items         []*ucx.InAppItem
	Total, Shown  int
	UnreadOnly    bool
	Admin         bool
	Offset, Limit int
}

func (s *UI) uiNotifications(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	q := r.URL.Query()
	f := ucx.InAppFilter{Unread: q.Get("unread") == "1", Limit: 50}
	if f.Offset, _, err = wire.Paging(q); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	items, total, unread, err := ns.InApp(r.Context(), p, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiNotificationsPage{uiBase: s.newBase(r, p, "notifications", "title.notifications"), Items: items, Total: total,
		UnreadOnly: f.Unread, Admin: p.Role == ucx.RoleAdmin, Offset: f.Offset, Limit: f.Limit}
	pg.Unread = unread
	s.render(w, r, pg)
}

func (s *UI) uiMarkRead(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	if !s.uiParseForm(w, r, p, 1<<16) {
		return
	}
	ids, err := uiFormIDs(r.PostForm["ids"])
	if err == nil {
		_, err = ns.MarkRead(r.Context(), p, ids, r.PostForm.Get("all") == "1")
	}
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

type uiNotifySettingsPage struct {
	uiBase
	Channels []*ucx.Channel
	Events   []ucx.NotifyEvent // what the organisation hears
	Kinds    []ucx.ChannelKind
	Form     *uiForm
	// Secret is a new webhook's signing secret, shown on this answer only.
	Secret, SecretFor string
}

// Subscribed reports whether channel c carries e, for the checkboxes.
func (pg *uiNotifySettingsPage) Subscribed(c *ucx.Channel, e ucx.NotifyEvent) bool {
	for _, x := range c.Events {
		if x == e {
			return true
		}
	}
	return false
}

// Target is where a channel sends, its query (a bot's token) hidden.
func (pg *uiNotifySettingsPage) Target(c *ucx.Channel) string {
	if len(c.To) > 0 {
		return strings.Join(c.To, ", ")
	}
	if i := strings.IndexByte(c.URL, '?'); i >= 0 {
		return c.URL[:i] + "?…"
	}
	return c.URL
}

func (s *UI) notifySettings(r *http.Request, p *ucx.Principal) (*uiNotifySettingsPage, error) {
	ns, err := s.notifications()
	if err != nil {
		return nil, err
	}
	cs, err := ns.Channels(r.Context(), p, p.OrgID)
	if err != nil {
		return nil, err
	}
	return &uiNotifySettingsPage{uiBase: s.newBase(r, p, "notify_settings", "title.notify_settings"), Channels: cs,
		Events: ucx.EventsFor(p.OrgKind), Kinds: ucx.ChannelKinds, Form: newUIForm()}, nil
}

func (s *UI) uiNotifySettings(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	pg, err := s.notifySettings(r, p)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, pg)
}

// channelInput reads a channel form: kind, name, url, to (one address a
// line or comma-separated), secret, lang, events ticked.
func channelInput(f map[string][]string, creating bool) *ucx.ChannelInput {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	in := &ucx.ChannelInput{Kind: ucx.ChannelKind(get("kind")), Lang: get("lang"), Events: []ucx.NotifyEvent{}}
	for _, e := range f["events"] {
		in.Events = append(in.Events, ucx.NotifyEvent(e))
	}
	if u := get("url"); u != "" || !creating {
		if _, ok := f["url"]; ok {
			in.URL = &u
		}
	}
	if to := get("to"); to != "" {
		in.To = strings.FieldsFunc(to, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == ' ' || r == '，' })
	}
	if sec := get("secret"); sec != "" {
		in.Secret = &sec
	}
	if name := get("name"); name != "" || !creating {
		if _, ok := f["name"]; ok {
			in.Name = &name
		}
	}
	return in
}

func (s *UI) uiCreateChannel(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	if !s.uiParseForm(w, r, p, 1<<16) {
		return
	}
	in := channelInput(r.PostForm, true)
	if len(in.Events) == 0 {
		in.Events = nil // none ticked: every event the organisation hears
	}
	c, err := ns.CreateChannel(r.Context(), p, p.OrgID, in)
	if err != nil && ucx.ErrorField(err) == "" {
		s.uiError(w, r, p, err)
		return
	}
	pg, perr := s.notifySettings(r, p)
	if perr != nil {
		s.uiError(w, r, p, perr)
		return
	}
	if err != nil {
		for k, v := range r.PostForm {
			pg.Form.Values[k] = strings.Join(v, ",")
		}
		pg.Form.Errors[uiFieldKey(ucx.ErrorField(err))] = pg.errText(err)
		pg.status = wire.ErrorStatusCode(ucx.ErrorCode(err))
	} else {
		pg.Flash = pg.T("notify.added")
		pg.Secret, pg.SecretFor = c.Secret, strconv.FormatInt(c.ID, 10)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, pg)
}

// uiServiceAndID is the pages' serviceAndID: an optional service and the
// id in the path, or the error page and false.
func uiServiceAndID[T any](s *UI, w http.ResponseWriter, r *http.Request, p *ucx.Principal, get func() (T, error)) (T, int64, bool) {
	svc, err := get()
	if err != nil {
		s.uiError(w, r, p, err)
		return svc, 0, false
	}
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.uiError(w, r, p, err)
		return svc, 0, false
	}
	return svc, id, true
}

// uiFieldKey maps a store field ("to[1]", "events[0]") to the form's.
func uiFieldKey(f string) string {
	if i := strings.IndexByte(f, '['); i > 0 {
		return f[:i]
	}
	return f
}

// uiChangeChannel saves a channel's row: its events, language and
// whether it is on (action save), makes a new webhook secret (rotate), or
// deletes it (delete).
func (s *UI) uiChangeChannel(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := uiServiceAndID(s, w, r, p, s.notifications)
	if !ok {
		return
	}
	if !s.uiParseForm(w, r, p, 1<<16) {
		return
	}
	version, _ := strconv.Atoi(r.PostForm.Get("version"))
	var c *ucx.Channel
	var err error
	switch r.PostForm.Get("action") {
	case "delete":
		err = ns.DeleteChannel(r.Context(), p, p.OrgID, id)
	case "rotate":
		c, err = ns.UpdateChannel(r.Context(), p, p.OrgID, id, version, &ucx.ChannelInput{RotateSecret: true})
	default:
		in := &ucx.ChannelInput{Lang: r.PostForm.Get("lang"), Events: []ucx.NotifyEvent{}}
		for _, e := range r.PostForm["events"] {
			in.Events = append(in.Events, ucx.NotifyEvent(e))
		}
		on := r.PostForm.Get("enabled") == "1"
		in.Enabled = &on
		c, err = ns.UpdateChannel(r.Context(), p, p.OrgID, id, version, in)
	}
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	if c != nil && c.Secret != "" {
		pg, err := s.notifySettings(r, p)
		if err != nil {
			s.uiError(w, r, p, err)
			return
		}
		pg.Secret, pg.SecretFor = c.Secret, strconv.FormatInt(c.ID, 10)
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, pg)
		return
	}
	http.Redirect(w, r, "/settings/notifications?done=notify_saved", http.StatusSeeOther)
}

type uiDeliveriesPage struct {
	uiBase
	Items  []*ucx.Delivery
	Total  int
	State  string
	States []string
}

func (s *UI) uiDeliveries(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, err := s.notifications()
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	q := r.URL.Query()
	f := ucx.DeliveryFilter{State: q.Get("state"), Limit: 100}
	if f.Offset, _, err = wire.Paging(q); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	ds, total, err := ns.Deliveries(r.Context(), p, p.OrgID, f)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	s.render(w, r, &uiDeliveriesPage{uiBase: s.newBase(r, p, "notify_deliveries", "title.notify_deliveries"), Items: ds, Total: total, State: f.State,
		States: []string{ucx.DeliveryPending, ucx.DeliveryDelivering, ucx.DeliveryDelivered, ucx.DeliveryDead, ucx.DeliveryCancelled}})
}

type uiDeliveryPage struct {
	uiBase
	D          *ucx.Delivery
	Replayable bool
}

func (s *UI) uiDelivery(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := uiServiceAndID(s, w, r, p, s.notifications)
	if !ok {
		return
	}
	d, err := ns.Delivery(r.Context(), p, p.OrgID, id)
	if err != nil {
		s.uiError(w, r, p, err)
		return
	}
	pg := &uiDeliveryPage{uiBase: s.newBase(r, p, "notify_delivery", "title.notify_delivery"), D: d,
		Replayable: d.State == ucx.DeliveryDelivered || d.State == ucx.DeliveryDead || d.State == ucx.DeliveryCancelled}
	s.render(w, r, pg)
}

func (s *UI) uiReplay(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	ns, id, ok := uiServiceAndID(s, w, r, p, s.notifications)
	if !ok {
		return
	}
	if _, err := ns.ReplayDelivery(r.Context(), p, p.OrgID, id); err != nil {
		s.uiError(w, r, p, err)
		return
	}
	http.Redirect(w, r, "/settings/notifications/deliveries/"+strconv.FormatInt(id, 10)+"?done=notify_replayed", http.StatusSeeOther)
}

// NotifyLangs are a channel's message languages, for its select.
func (b *uiBase) NotifyLangs() []string { return []string{ucx.LangBoth, ucx.LangZH, ucx.LangEN} }
