package http

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// printLabels are the bilingual labels of document fields on the printed
// view: Chinese for the authorities and exporters, English for the buyer
// and the customs officer abroad. A field without a label shows its key.
var printLabels = map[string]string{
	"type":                   "文件类型 Document type",
	"manufacturer":           "生产企业 Manufacturer",
	"manufacturer_id":        "生产企业编号 Manufacturer id",
	"destinations":           "目的国 Destination(s)",
	"destination":            "目的国 Destination",
	"vehicles":               "车辆 Vehicles",
	"vin":                    "车辆识别代号 VIN",
	"brand":                  "品牌 Brand",
	"model":                  "型号 Model",
	"registration_date":      "注册登记日期 Registration date",
	"transfer_date":          "转让登记待出口日期 Transfer pending export",
	"outlets":                "海外售后服务网点 Overseas service outlets",
	"provider":               "服务商 Provider",
	"address":                "地址 Address",
	"country":                "国家 Country",
	"contact":                "联系方式 Contact",
	"issued_on":              "签发日期 Issued on",
	"valid_until":            "有效期至 Valid until",
	"application_id":         "申请编号 Application",
	"confirmation_id":        "确认书编号 Confirmation",
	"number":                 "许可证号 Licence number",
	"exporter":               "出口企业 Exporter",
	"exporter_id":            "出口企业编号 Exporter id",
	"exporter_filing_number": "备案号 Filing number",
	"authority":              "发证机关 Issuing authority",
	"authority_id":           "发证机关编号 Authority id",
	"schedule":               "附表 Schedule",
	"confirmations":          "所依据的确认书 Confirmations relied on",
	"id":                     "编号 Id",
	"sha256":                 "摘要 SHA-256",
	"document":               "被撤销文件 Revoked document",
	"document_kind":          "文件种类 Kind",
	"organisation":           "机构 Organisation",
	"organisation_id":        "机构编号 Organisation id",
	"reason":                 "原因 Reason",
	"revoked_on":             "撤销日期 Revoked on",
	"ucx.confirmation.v1":    "售后维修服务确认书 After-Sales Service Confirmation",
	"ucx.licence.v1":         "二手车出口许可证 Used-car export licence",
	"ucx.revocation.v1":      "撤销声明 Revocation",
	"confirmation":           "售后维修服务确认书 After-Sales Service Confirmation",
	"licence":                "二手车出口许可证 Used-car export licence",
	"revocation":             "撤销声明 Revocation",
}

func printLabel(key string) string {
	if l, ok := printLabels[key]; ok {
		return l
	}
	return key
}

// printField is one line of the printed document: a scalar value, or a
// list of sub-records (vehicles, outlets, schedule lines).
type printField struct {
	Label string
	Value string
	Rows  [][]printField
}

// printFields lays out a JSON object's members in key order (the
// canonical order, so the print matches the sealed bytes' order).
func printFields(m map[string]any) []printField {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]printField, 0, len(keys))
	for _, k := range keys {
		f := printField{Label: printLabel(k)}
		switch v := m[k].(type) {
		case []any:
			var scalars []string
			for _, e := range v {
				if sub, ok := e.(map[string]any); ok {
					f.Rows = append(f.Rows, printFields(sub))
				} else {
					scalars = append(scalars, fmt.Sprint(e))
				}
			}
			f.Value = strings.Join(scalars, ", ")
		case map[string]any:
			f.Rows = [][]printField{printFields(v)}
		case string:
			f.Value = v
			if k == "type" {
				f.Value = printLabel(v)
			}
		case float64:
			f.Value = fmt.Sprint(int64(v))
		default:
			f.Value = fmt.Sprint(v)
		}
		out = append(out, f)
	}
	return out
}

type printSeal struct {
	Org, OrgName, KeyID, Alg, SealedAt string
}

// printPage is the data of the printable view.
type printPage struct {
	Title     string
	Digest    string
	VerifyURL string
	// LocalQR is set when the server has no public address: the QR code
	// then encodes the address this request came in on, and the page says
	// that it may not open elsewhere.
	LocalQR   bool
	QR        template.HTML // an inline SVG made here from the QR bitmap
	Fields    []printField
	Seals     []printSeal
	RevokedAt string
	Reason    string
}

// qrSVG draws s as a QR code in SVG: one path of dark modules, with the
// four-module quiet zone the standard asks for.
func qrSVG(s string) (template.HTML, error) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return "", err
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="180" height="180" shape-rendering="crispEdges" role="img" aria-label="QR">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x, dark := range row {
			if dark {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil // only numbers were written into it
}

var printTemplate = template.Must(template.New("print").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:2em;color:#000}
h1{font-size:1.4em;margin:0 0 .5em}table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{width:14em;background:#f4f4f4}.digest{font-family:monospace;word-break:break-all}
.head{display:flex;justify-content:space-between;gap:2em}.revoked{color:#b00;font-weight:bold;border:2px solid #b00;padding:.5em}.local{color:#8a5a00;border:1px dashed #8a5a00;padding:.4em}
@media print{a{color:#000;text-decoration:none}}
</style></head><body>
<div class="head"><div>
<h1>{{.Title}}</h1>
<p>文件摘要 Document digest (SHA-256):<br><span class="digest">{{.Digest}}</span></p>
<p>在线核验 Verify: <a href="{{.VerifyURL}}">{{.VerifyURL}}</a><br>
离线核验 Offline: <code>ucx verify --lang en bundle.json</code></p>
</div><div>{{.QR}}</div></div>
{{if .LocalQR}}<p class="local" id="qr-local">本二维码指向本机地址，其他地方可能无法打开（运营方未设置公网地址 --public-url）。<br>This QR code points at a local address that may not open elsewhere: the operator has not set the public address (--public-url).</p>{{end}}
{{if .RevokedAt}}<p class="revoked">已撤销 REVOKED {{.RevokedAt}}: {{.Reason}}</p>{{end}}
{{define "fields"}}<table>{{range .}}<tr><th>{{.Label}}</th><td>{{.Value}}{{range .Rows}}{{template "fields" .}}{{end}}</td></tr>{{end}}</table>{{end}}
{{template "fields" .Fields}}
<h2>电子印章 Seals</h2>
<table><tr><th>机构 Organisation</th><th>密钥 Key</th><th>算法 Algorithm</th><th>盖章时间 Sealed at (UTC)</th></tr>
{{range .Seals}}<tr><td>{{.OrgName}} ({{.Org}})</td><td class="digest">{{.KeyID}}</td><td>{{.Alg}}</td><td>{{.SealedAt}}</td></tr>{{end}}</table>
</body></html>
`))

// verifyURL is the public verification URL of a digest: the web UI's
// /verify page under publicBase.
func (s *Server) verifyURL(r *http.Request, digest string) string {
	base, _ := s.publicBase(r)
	return base + "/verify?d=" + url.QueryEscape(digest)
}

// handlePrint is the printable view of a sealed document: its fields with
// Chinese and English labels, its seals, its digest and a QR code of its
// public verification URL. Public, as the document is.
func (s *Server) handlePrint(w http.ResponseWriter, r *http.Request) {
	ds, err := s.documents()
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d, err := ds.FindDocument(r.Context(), r.PathValue("digest"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	env, err := seal.ParseEnvelope(d.Envelope)
	if err != nil {
		s.Error(w, r, ucx.Internal("http.handlePrint", err))
		return
	}
	var m map[string]any
	if err := json.Unmarshal(env.Document, &m); err != nil {
		s.Error(w, r, ucx.Internal("http.handlePrint", err))
		return
	}
	pg := printPage{Title: printLabel(d.Kind), Digest: d.Digest, VerifyURL: s.verifyURL(r, d.Digest), Fields: printFields(m)}
	_, pg.LocalQR = s.publicBase(r)
	if pg.QR, err = qrSVG(pg.VerifyURL); err != nil {
		s.Error(w, r, ucx.Internal("http.handlePrint", err))
		return
	}
	names := s.keyOrgNames(r.Context())
	for _, sl := range env.Seals {
		pg.Seals = append(pg.Seals, printSeal{Org: sl.Org, OrgName: names[sl.KeyID], KeyID: sl.KeyID, Alg: string(sl.Alg),
			SealedAt: sl.SealedAt.UTC().Format(time.RFC3339)})
	}
	if d.RevokedAt != nil {
		pg.RevokedAt, pg.Reason = d.RevokedAt.UTC().Format(time.RFC3339), d.RevokedReason
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The print view is public and shows text others filed: no script may
	// run in it at all. Its one style sheet is inline, its QR code a data:
	// image.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	if err := printTemplate.Execute(w, pg); err != nil {
		s.logger().ErrorContext(r.Context(), "print view", "err", err.Error())
	}
}

// keyOrgNames maps key ids to their organisations' legal names from the
// current trust list, checked against the root; empty when unavailable,
// as the names only label the print.
func (s *Server) keyOrgNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	if s.KeyService == nil {
		return names
	}
	list, err := s.KeyService.TrustList(ctx)
	if err != nil {
		return names
	}
	rootPEM, err := s.KeyService.TrustRoot(ctx)
	if err != nil {
		return names
	}
	root, err := seal.ParsePublicKeyPEM(rootPEM)
	if err != nil {
		return names
	}
	l, err := seal.ParseTrustList(list, root)
	if err != nil {
		return names
	}
	for _, k := range l.Keys {
		names[k.KeyID] = k.Org.Name
	}
	return names
}
