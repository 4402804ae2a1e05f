package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/ucxdev/ucx"
)

// PolicyWhatIf re-decides, under pol, every stored application whose
// application date falls from from to to (both included), and compares the
// outcome with the one stored (what would a 365-day threshold, or
// another transition deadline, have done to the market?). It is for
// licensing authorities only (EFORBIDDEN for others): the cases name
// exporters and VINs.
//
// It runs in one read-only transaction and never writes: the what-if is a
// question about the past, and the stored decisions remain the ones the
// exporters were told. The rows are streamed and decoded one at a time into
// reused values, so a year of a million applications costs the memory of
// one row plus the listed cases, of which at most limit (≤ 0 means
// ucx.PolicyWhatIfLimit) are kept; the counts cover every application.
//
// Drafts have no application date and are not counted: no policy decided
// them for an application date yet.
func (db *DB) PolicyWhatIf(ctx context.Context, p *ucx.Principal, pol ucx.Policy, from, to ucx.Date, limit int) (*ucx.PolicyWhatIf, error) {
	const op = "sqlstore.PolicyWhatIf"
	if err := signedIn(p); err != nil {
		return nil, err
	}
	if !p.Is(ucx.KindAuthority) {
		return nil, ucx.Errorf(ucx.EFORBIDDEN, "only a licensing authority may try another policy on the stored applications")
	}
	if pol == nil {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "policy", "give the policy document to try")
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "from", "give a period with from ≤ to, as YYYY-MM-DD")
	}
	if to.Sub(from) > 3700 {
		return nil, ucx.FieldErrorf(ucx.EINVALID, "to", "the period is at most ten years")
	}
	if limit <= 0 || limit > ucx.PolicyWhatIfLimit {
		limit = ucx.PolicyWhatIfLimit
	}
	out := &ucx.PolicyWhatIf{From: from, To: to, Policy: pol.Ref(), Limit: limit, Cases: []ucx.PolicyWhatIfCase{}}
	err := db.View(ctx, op, func(tx *Tx) error {
		// The outcome column is the stored decision's outcome; reading it
		// spares decoding the stored decision's JSON for every row.
		rows, err := tx.Query(ctx, `SELECT id, exporter_id, vin, state, application_date, outcome, data
			FROM applications WHERE application_date >= ? AND application_date <= ? ORDER BY id`,
			from.Days(), to.Days())
		if err != nil {
			return err
		}
		defer rows.Close()
		var (
			c       ucx.PolicyWhatIfCase
			appDay  sql.NullInt64
			state   string
			outcome string
			data    []byte
			in      ucx.ApplicationInput
			d       ucx.Decision
		)
		for rows.Next() {
			if err := rows.Scan(&c.ApplicationID, &c.ExporterID, &c.VIN, &state, &appDay, &outcome, &data); err != nil {
				return err
			}
			// json.Unmarshal merges into what is there: start from zero
			// so that one row's optional fields never leak into the next.
			in = ucx.ApplicationInput{}
			now, ok := ucx.ParseOutcome(outcome)
			if !ok || json.Unmarshal(data, &in) != nil {
				out.Unreadable++
				if len(out.UnreadableIDs) < limit {
					out.UnreadableIDs = append(out.UnreadableIDs, c.ApplicationID)
				}
				continue
			}
			on := optDate(appDay)
			pv := in.PolicyVehicle(on)
			pol.Decide(&pv, &d)
			out.Applications++
			out.Now.Add(now)
			out.Then.Add(d.Outcome)
			if d.Outcome == now {
				continue
			}
			out.Changed++
			if len(out.Cases) < limit {
				k := c
				k.ApplicationDate, k.State, k.Now, k.Then = on, ucx.State(state), now, d.Outcome
				k.Reasons = slices.Clone(d.Reasons)
				out.Cases = append(out.Cases, k)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
