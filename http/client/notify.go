package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
)

// The client answers notifications as the store does (http/notify.go).
var _ ucx.NotificationService = (*Client)(nil)

// InApp calls GET /api/v1/notifications.
func (c *Client) InApp(ctx context.Context, _ *ucx.Principal, f ucx.InAppFilter) ([]*ucx.InAppItem, int, int, error) {
	q := pageQuery(nil, f.Offset, f.Limit)
	if f.Unread {
		q.Set("unread", "true")
	}
	var out wire.InAppResponse
	if _, err := c.do(ctx, &call{method: "GET", path: "/api/v1/notifications", query: q, out: &out}); err != nil {
		return nil, 0, 0, err
	}
	items := make([]*ucx.InAppItem, len(out.Items))
	for i, it := range out.Items {
		items[i] = it.InAppItem
	}
	return items, out.Total, out.Unread, nil
}

// UnreadCount calls GET /api/v1/notifications?limit=1 for its unread count.
func (c *Client) UnreadCount(ctx context.Context, p *ucx.Principal) (int, error) {
	_, _, n, err := c.InApp(ctx, p, ucx.InAppFilter{Limit: 1})
	return n, err
}

// MarkRead calls POST /api/v1/notifications/read.
func (c *Client) MarkRead(ctx context.Context, _ *ucx.Principal, ids []int64, all bool) (int, error) {
	var out wire.MarkReadResponse
	if _, err := c.do(ctx, &call{method: "POST", path: "/api/v1/notifications/read", in: wire.MarkReadRequest{IDs: ids, All: all}, out: &out}); err != nil {
		return 0, err
	}
	return out.Marked, nil
}

// Channels calls GET /api/v1/orgs/{id}/channels.
func (c *Client) Channels(ctx context.Context, _ *ucx.Principal, orgID int64) ([]*ucx.Channel, error) {
	var out wire.ListResponse[*ucx.Channel]
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/orgs/%d/channels", orgID), out: &out}); err != nil {
		return nil, err
	}
	return out.Items, nil
}

// CreateChannel calls POST /api/v1/orgs/{id}/channels.
func (c *Client) CreateChannel(ctx context.Context, _ *ucx.Principal, orgID int64, in *ucx.ChannelInput) (*ucx.Channel, error) {
	out := new(ucx.Channel)
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/orgs/%d/channels", orgID), in: in, out: out}); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateChannel calls PATCH /api/v1/channels/{id} at version (If-Match);
// the organisation is the caller's. Version 0 reads the channel first.
func (c *Client) UpdateChannel(ctx context.Context, p *ucx.Principal, orgID, id int64, version int, in *ucx.ChannelInput) (*ucx.Channel, error) {
	if version == 0 {
		cs, err := c.Channels(ctx, p, orgID)
		if err != nil {
			return nil, err
		}
		for _, ch := range cs {
			if ch.ID == id {
				version = ch.Version
			}
		}
		if version == 0 {
			return nil, ucx.Errorf(ucx.ENOTFOUND, "no channel %d", id)
		}
	}
	out := new(ucx.Channel)
	body := wire.ChannelUpdate{ChannelInput: *in}
	_, err := c.do(ctx, &call{method: "PATCH", path: idPath("/api/v1/channels/%d", id), in: body, out: out,
		header: map[string]string{"If-Match": `"` + strconv.Itoa(version) + `"`}})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteChannel calls DELETE /api/v1/channels/{id}.
func (c *Client) DeleteChannel(ctx context.Context, _ *ucx.Principal, _, id int64) error {
	_, err := c.do(ctx, &call{method: "DELETE", path: idPath("/api/v1/channels/%d", id)})
	return err
}

// Deliveries calls GET /api/v1/orgs/{id}/deliveries.
func (c *Client) Deliveries(ctx context.Context, _ *ucx.Principal, orgID int64, f ucx.DeliveryFilter) ([]*ucx.Delivery, int, error) {
	q := pageQuery(url.Values{}, f.Offset, f.Limit)
	if f.State != "" {
		q.Set("state", f.State)
	}
	if f.ChannelID != 0 {
		q.Set("channel", strconv.FormatInt(f.ChannelID, 10))
	}
	var out wire.ListResponse[*ucx.Delivery]
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/orgs/%d/deliveries", orgID), query: q, out: &out}); err != nil {
		return nil, 0, err
	}
	return out.Items, out.Total, nil
}

// Delivery calls GET /api/v1/deliveries/{id}.
func (c *Client) Delivery(ctx context.Context, _ *ucx.Principal, _, id int64) (*ucx.Delivery, error) {
	out := new(ucx.Delivery)
	if _, err := c.do(ctx, &call{method: "GET", path: idPath("/api/v1/deliveries/%d", id), out: out}); err != nil {
		return nil, err
	}
	return out, nil
}

// ReplayDelivery calls POST /api/v1/deliveries/{id}/replay.
func (c *Client) ReplayDelivery(ctx context.Context, _ *ucx.Principal, _, id int64) (*ucx.Delivery, error) {
	out := new(ucx.Delivery)
	if _, err := c.do(ctx, &call{method: "POST", path: idPath("/api/v1/deliveries/%d/replay", id), out: out}); err != nil {
		return nil, err
	}
	return out, nil
}
