package sqlstore

import "testing"

// argColumn names the column of a placeholder wherever the statement says
// it, and nothing where it does not.
func TestArgColumn_NamesThePlaceholdersColumn(t *testing.T) {
	for _, tt := range []struct {
		query string
		n     int
		want  string
	}{
		{"INSERT INTO orgs (kind, name, created_at) VALUES (?, ?, ?)", 1, "orgs.name"},
		{"INSERT INTO outlets (org_id, country, provider, address, contact) VALUES (?, ?, ?, ?, ?)", 4, "outlets.contact"},
		{"INSERT INTO t (a, b) VALUES (?, ?), (?, ?)", 3, "t.b"},
		{"INSERT INTO idempotency_keys (org_id, key, request, entity_id, created_at) VALUES (?, ?, ?, 0, ?)", 3, "idempotency_keys.created_at"},
		{"UPDATE credit_events SET annulled = 1, annul_reason = ? WHERE id = ?", 0, "credit_events.annul_reason"},
		{"UPDATE licences SET cleared_at = ?, port = ?, declaration_number = ? WHERE id = ?", 2, "licences.declaration_number"},
		{"SELECT id FROM applications WHERE a.vin <= ? AND 'x?' = 'x?'", 0, "a.vin"},
		{"SELECT id FROM applications WHERE search LIKE ?", 0, ""},
		{"SELECT 1", 0, ""},
	} {
		if got := argColumn(tt.query, tt.n); got != tt.want {
			t.Errorf("argColumn(%q, %d) = %q, want %q", tt.query, tt.n, got, tt.want)
		}
	}
}
