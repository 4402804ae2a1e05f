package sqlstore

import (
	"strings"
	"testing"
)

// The named rows an import writes give as many values, in as many
// columns, as the statements and COPYs that write them name.
func TestImportRows_ValuesMatchTheirColumns(t *testing.T) {
	draftCols := strings.Count(draftInsertPrefix[strings.Index(draftInsertPrefix, "("):], ",") + 1
	for _, c := range []struct {
		name         string
		values, want int
	}{
		{"draftRow", len((&draftRow{}).appendTo(nil)), draftRowValues},
		{"draftRow in the INSERT", draftRowValues, draftCols},
		{"draftRow in the COPY", draftRowValues + 1, len(draftCopyColumns)}, // the id first
		{"eventRow", len(eventRow{}.values()), eventRowValues},
		{"eventRow in the COPY", eventRowValues, len(eventCopyColumns)},
		{"resultRow", len(resultRow{}.values()), resultRowValues},
		{"resultRow in the COPY", resultRowValues, len(importRowCopyColumns)},
	} {
		if c.values != c.want {
			t.Errorf("%s: %d values, want %d", c.name, c.values, c.want)
		}
	}
}
