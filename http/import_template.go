package http

import (
	"net/http"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/sheet"
)

// handleImportTemplate answers the import template (sheet.Template): a
// workbook with every column in Chinese and English, data validation and
// an example row. It is for exporters, who file (R10); others are refused
// with 403.
func (s *Server) handleImportTemplate(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	if p.OrgKind != ucx.KindExporter {
		s.Error(w, r, ucx.Errorf(ucx.EFORBIDDEN, "the import template is for exporters, who file applications (R10)"))
		return
	}
	data, err := sheet.Template()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentTypeXLSX)
	w.Header().Set("Content-Disposition", `attachment; filename="ucx-import-template.xlsx"`)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(data)
}
