package http

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/http/wire"
	"github.com/ucxdev/ucx/sheet"
)

func (s *Server) registerImportRoutes() {
	s.handle("POST /api/v1/imports", s.authenticate(s.handleStartImport))
	s.handle("GET /api/v1/imports/{id}", s.authenticate(s.handleImportView))
	s.handle("GET /api/v1/imports/{id}/rows", s.authenticate(s.handleImportRows))
	s.handle("GET /api/v1/imports/{id}/rows.csv", s.authenticate(s.handleImportRowsCSV))
	s.handle("GET /api/v1/import/template.xlsx", s.authenticate(s.handleImportTemplate))
}

// Content types of the two upload formats.
const (
	contentTypeCSV  = "text/csv"
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// handleStartImport accepts a CSV or XLSX file of applications, as the raw
// body (name it with ?filename= or Content-Disposition) or as the "file"
// part of a multipart form (what a browser's upload sends). It answers 202
// at once with the queued import; the client follows GET
// /api/v1/imports/{id} for progress.
func (s *Server) handleStartImport(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	name, data, err := s.readUpload(w, r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	imp, err := s.ImportService.StartImport(r.Context(), p, name, data)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.metrics.transition(actionImport)
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(imp.ID, 10))
	writeJSON(w, http.StatusAccepted, imp)
}

// readUpload returns the uploaded file's name and bytes, within the upload
// limit.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (string, []byte, error) {
	limit := s.maxUpload()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	name := r.URL.Query().Get("filename")
	var data []byte
	if mediaType == "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, limit+64<<10) // room for the form's own headers
		mr, err := r.MultipartReader()
		if err != nil {
			return "", nil, ucx.FieldErrorf(ucx.EINVALID, "file", "the multipart form cannot be read: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return "", nil, ucx.FieldErrorf(ucx.EINVALID, "file", "the form has no \"file\" part")
			}
			if err != nil {
				return "", nil, uploadError(err, limit)
			}
			if part.FormName() != "file" {
				part.Close()
				continue
			}
			if name == "" {
				name = part.FileName()
			}
			data, err = io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil {
				return "", nil, uploadError(err, limit)
			}
			break
		}
		if int64(len(data)) > limit {
			return "", nil, ucx.Errorf(ucx.ETOOLARGE, "the file is larger than the %d-byte upload limit; split it", limit)
		}
	} else {
		var err error
		if data, err = readBody(w, r, limit); err != nil {
			if ucx.ErrorCode(err) == ucx.ETOOLARGE {
				return "", nil, ucx.Errorf(ucx.ETOOLARGE, "the file is larger than the %d-byte upload limit; split it", limit)
			}
			return "", nil, err
		}
		if name == "" {
			if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
				name = params["filename"]
			}
		}
	}
	if len(data) == 0 {
		return "", nil, ucx.FieldErrorf(ucx.EINVALID, "file", "the file is empty")
	}
	if err := ucx.CheckText("filename", name, ucx.OneLine); err != nil {
		return "", nil, err
	}
	return uploadName(name, mediaType, data), data, nil
}

func uploadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return ucx.Errorf(ucx.ETOOLARGE, "the file is larger than the %d-byte upload limit; split it", limit)
	}
	return ucx.FieldErrorf(ucx.EINVALID, "file", "the upload cannot be read: %v", err)
}

// uploadName keeps only the base name a client gave (never a path) and,
// when there is none, names the file after its content so the import can
// tell CSV from XLSX.
func uploadName(name, mediaType string, data []byte) string {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "." || name == "/" {
		name = ""
	}
	if len(name) > 200 {
		cut := len(name) - 200
		for cut < len(name) && !utf8.RuneStart(name[cut]) {
			cut++ // keep the name UTF-8: cut between characters
		}
		name = name[cut:]
	}
	if name != "" {
		return name
	}
	if mediaType == contentTypeXLSX || bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return "upload.xlsx"
	}
	return "upload.csv"
}

func (s *Server) handleImportView(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	imp, err := s.ImportService.FindImportByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, imp)
}

// handleImportRows pages through an import's per-row results. Total is the
// number of rows processed so far.
func (s *Server) handleImportRows(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	offset, limit, err := wire.Paging(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	imp, err := s.ImportService.FindImportByID(r.Context(), p, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows, err := s.ImportService.ImportRows(r.Context(), p, id, offset, limit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ListResponse[*ucx.ImportRow]{Items: nonNil(rows), Total: imp.Processed, Offset: offset, Limit: limit})
}

// importCSVHeader is the header of the per-row results download.
var importCSVHeader = []string{"row", "vin", "status", "application_id", "outcome", "reasons"}

// handleImportRowsCSV downloads every row's result as CSV, for the
// exporter to fix the rejected rows in the spreadsheet they came from. The
// rows are streamed a page at a time, so a large import is never held in
// memory whole.
func (s *Server) handleImportRowsCSV(w http.ResponseWriter, r *http.Request, p *ucx.Principal) {
	id, err := wire.PathID(r, "id")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	rows, err := s.ImportService.ImportRows(r.Context(), p, id, 0, wire.MaxLimit)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="import-`+strconv.FormatInt(id, 10)+`-results.csv"`)
	cw := csv.NewWriter(w)
	cw.Write(importCSVHeader)
	for offset := 0; ; {
		for _, row := range rows {
			cw.Write(importCSVRecord(row))
		}
		if len(rows) == 0 {
			break
		}
		offset += len(rows)
		// Ask until a page comes back empty: the store may return fewer
		// rows than asked for, so a short page proves nothing.
		if rows, err = s.ImportService.ImportRows(r.Context(), p, id, offset, wire.MaxLimit); err != nil {
			// The status is sent; all that can be done is to log it and
			// cut the download short, which the client sees.
			s.logger().ErrorContext(r.Context(), "import rows download", "import_id", id, "err", err.Error())
			break
		}
	}
	cw.Flush()
}

func importCSVRecord(row *ucx.ImportRow) []string {
	appID := ""
	if row.ApplicationID != 0 {
		appID = strconv.FormatInt(row.ApplicationID, 10)
	}
	reasons := make([]string, len(row.Reasons))
	for i, rs := range row.Reasons {
		reasons[i] = rs.Rule + " " + rs.Code + ": " + rs.Message
	}
	return sheet.SafeRecord([]string{strconv.Itoa(row.Row), row.VIN, row.Status, appID, row.Outcome, strings.Join(reasons, "; ")})
}
