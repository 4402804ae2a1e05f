package html

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// printLabels are the bilingual labels of the printed view: Chinese for
// the authorities and exporters, English for the buyer and the customs
// officer abroad.
var printLabels = map[string]string{
	"number":                 "许可证号 Licence number",
	"exporter":               "出口企业 Exporter",
	"exporter_filing_number": "出口经营者备案号 Exporter filing number",
	"authority":              "发证机关 Issuing authority",
	"manufacturer":           "生产企业 Manufacturer",
	"destination":            "目的国 Destination",
	"issued_on":              "签发日期 Issued on",
	"valid_until":            "有效期至 Valid until",
	"organisation":           "撤销机构 Revoked by",
	"document":               "被撤销文件 Revoked document",
	"document_kind":          "被撤销文件种类 Kind of the revoked document",
	"reason":                 "撤销原因 Reason",
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

// printField is one labelled line of the printed document.
type printField struct {
	Label, Value string
}

// printVehicle is one car of the printed document, with the overseas
// service outlets a confirmation names for it (R3).
type printVehicle struct {
	N                                          int // 1, 2, … as the schedule counts
	VIN, Brand, Model, Registered, Transferred string
	Outlets                                    []printOutlet
}

type printOutlet struct {
	Provider, Country, Address, Contact string
}

// printDoc is what the print view reads of a sealed document: the members
// of the platform's document types that a reader needs, and none of the
// internal record ids (application, confirmation, organisation ids) they
// also carry, which mean nothing on paper.
type printDoc struct {
	Type           string   `json:"type"`
	Number         string   `json:"number"`
	Exporter       string   `json:"exporter"`
	ExporterFiling string   `json:"exporter_filing_number"`
	Authority      string   `json:"authority"`
	Manufacturer   string   `json:"manufacturer"`
	Destination    string   `json:"destination"`
	Destinations   []string `json:"destinations"`
	IssuedOn       string   `json:"issued_on"`
	ValidUntil     string   `json:"valid_until"`
	Schedule       []struct {
		VIN              string `json:"vin"`
		Brand            string `json:"brand"`
		Model            string `json:"model"`
		RegistrationDate string `json:"registration_date"`
		TransferDate     string `json:"transfer_date"`
		Outlets          []struct {
			Provider string `json:"provider"`
			Country  string `json:"country"`
			Address  string `json:"address"`
			Contact  string `json:"contact"`
		} `json:"outlets"`
	} `json:"schedule"`
	Vehicles      json.RawMessage `json:"vehicles"` // a confirmation's: the same shape as Schedule
	Confirmations []struct {
		SHA256 string `json:"sha256"`
	} `json:"confirmations"`
	Document     string `json:"document"`
	DocumentKind string `json:"document_kind"`
	Organisation string `json:"organisation"`
	Reason       string `json:"reason"`
	RevokedOn    string `json:"revoked_on"`
}

// layout turns the document into the printed facts, in the order an
// official document gives them, leaving out what the document lacks.
func (d *printDoc) layout() (number string, facts []printField, vehicles []printVehicle, letters []string) {
	add := func(key, v string) {
		if v != "" {
			facts = append(facts, printField{Label: printLabel(key), Value: v})
		}
	}
	dest := d.Destination
	if dest == "" {
		dest = strings.Join(d.Destinations, ", ")
	}
	add("exporter", d.Exporter)
	add("exporter_filing_number", d.ExporterFiling)
	add("manufacturer", d.Manufacturer)
	add("authority", d.Authority)
	add("destination", dest)
	add("issued_on", d.IssuedOn)
	add("valid_until", d.ValidUntil)
	add("organisation", d.Organisation)
	add("document_kind", printLabel(d.DocumentKind))
	add("document", d.Document)
	add("reason", d.Reason)
	add("revoked_on", d.RevokedOn)
	if len(d.Vehicles) > 0 {
		json.Unmarshal(d.Vehicles, &d.Schedule) // the same shape; a wrong one prints no vehicles
	}
	for _, v := range d.Schedule {
		pv := printVehicle{N: len(vehicles) + 1, VIN: v.VIN, Brand: v.Brand, Model: v.Model, Registered: v.RegistrationDate, Transferred: v.TransferDate}
		for _, o := range v.Outlets {
			pv.Outlets = append(pv.Outlets, printOutlet{Provider: o.Provider, Country: o.Country, Address: o.Address, Contact: o.Contact})
		}
		vehicles = append(vehicles, pv)
	}
	for _, c := range d.Confirmations {
		letters = append(letters, c.SHA256)
	}
	return d.Number, facts, vehicles, letters
}

type printSeal struct {
	OrgName, KeyID, Alg, SealedAt string
}

// printPage is the data of the printable view.
type printPage struct {
	Title     string
	Number    string
	Digest    string
	VerifyURL string
	// LocalQR is set when the server has no public address: the QR code
	// then encodes the address this request came in on, and the page says
	// that it may not open elsewhere.
	LocalQR  bool
	QR       template.HTML // an inline SVG made here from the QR bitmap
	Facts    []printField
	Vehicles []printVehicle
	Outlets  bool // some vehicle names outlets
	Letters  []string
	Seals    []printSeal
	// RootFingerprint is the platform root's fingerprint, to compare with
	// the one the platform publishes (bundle.WellKnownPath).
	RootFingerprint string
	RevokedAt       string
	Reason          string
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
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Title}}{{if .Number}} {{.Number}}{{end}}</title>
<style>
body{font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif;margin:2em auto;max-width:60em;color:#000}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.2em 0 .3em}.number{font-size:1.3em;font-weight:bold;margin:0 0 .8em}
table{border-collapse:collapse;width:100%;margin:.3em 0}
th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f4f4f4}table.facts th{width:16em}.mono{font-family:monospace;word-break:break-all}
.head{display:flex;justify-content:space-between;gap:2em}.revoked{color:#b00;font-weight:bold;border:2px solid #b00;padding:.5em}.local{color:#8a5a00;border:1px dashed #8a5a00;padding:.4em}
.verify{margin-top:1.5em;border-top:1px solid #999;padding-top:.8em;font-size:.9em}
@media print{a{color:#000;text-decoration:none}}
</style></head><body>
<div class="head"><div>
<h1>{{.Title}}</h1>
{{if .Number}}<p class="number">许可证号 Licence number: <span id="number">{{.Number}}</span></p>{{end}}
</div><div>{{.QR}}</div></div>
{{if .LocalQR}}<p class="local" id="qr-local">本二维码指向本机地址，其他地方可能无法打开（运营方未设置公网地址 --public-url）。<br>This QR code points at a local address that may not open elsewhere: the operator has not set the public address (--public-url).</p>{{end}}
{{if .RevokedAt}}<p class="revoked">已撤销 REVOKED {{.RevokedAt}}: {{.Reason}}</p>{{end}}
<table class="facts">{{range .Facts}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>{{end}}</table>
{{if .Vehicles}}<h2>车辆 Vehicles</h2>
<table><tr><th>#</th><th>车辆识别代号 VIN</th><th>品牌 Brand</th><th>型号 Model</th><th>注册登记日期 Registered</th><th>转让登记日期 Transferred</th></tr>
{{range .Vehicles}}<tr><td>{{.N}}</td><td class="mono">{{.VIN}}</td><td>{{.Brand}}</td><td>{{.Model}}</td><td>{{.Registered}}</td><td>{{.Transferred}}</td></tr>{{end}}</table>{{end}}
{{if .Outlets}}<h2>海外售后服务网点 Overseas service outlets</h2>
<table><tr><th>车辆识别代号 VIN</th><th>服务商 Provider</th><th>国家 Country</th><th>地址 Address</th><th>联系方式 Contact</th></tr>
{{range .Vehicles}}{{$vin := .VIN}}{{range .Outlets}}<tr><td class="mono">{{$vin}}</td><td>{{.Provider}}</td><td>{{.Country}}</td><td>{{.Address}}</td><td>{{.Contact}}</td></tr>{{end}}{{end}}</table>{{end}}
{{if .Letters}}<h2>所依据的确认书 Confirmations relied on (SHA-256)</h2>
<ul>{{range .Letters}}<li class="mono">{{.}}</li>{{end}}</ul>{{end}}
<h2>电子印章 Seals</h2>
<table><tr><th>盖章机构 Sealed by</th><th>密钥 Key id</th><th>算法 Algorithm</th><th>盖章时间 Sealed at (UTC)</th></tr>
{{range .Seals}}<tr><td>{{.OrgName}}</td><td class="mono">{{.KeyID}}</td><td>{{.Alg}}</td><td>{{.SealedAt}}</td></tr>{{end}}</table>
<div class="verify">
<p>文件摘要 Document digest (SHA-256):<br><span class="mono" id="digest">{{.Digest}}</span></p>
{{if .RootFingerprint}}<p>平台根密钥指纹 Platform root fingerprint:<br><span class="mono" id="root-fingerprint">{{.RootFingerprint}}</span><br>
请与平台公布的指纹核对 Compare it with the one the platform publishes at /.well-known/ucx-root.</p>{{end}}
<p>在线核验 Verify: <a href="{{.VerifyURL}}">{{.VerifyURL}}</a><br>
离线核验 Offline: <code>ucx verify licence.pdf</code> · <code>ucx verify bundle.json</code></p>
</div>
</body></html>
`))

// PrintInput is what the print view shows besides the sealed document
// itself: the server looks these up (the holder's access, the trust list,
// the public address) and the view lays them out.
type PrintInput struct {
	Envelope  []byte // the sealed envelope (seal.Envelope as JSON)
	Kind      string // the document's kind, e.g. ucx.licence.v1
	Digest    string
	VerifyURL string // the public verification URL the QR code encodes
	// LocalQR is set when the server has no public address (see printPage).
	LocalQR bool
	// SealNames maps key ids to their organisations' legal names.
	SealNames       map[string]string
	RootFingerprint string
	RevokedAt       *time.Time
	RevokedReason   string
}

// PrintView renders the printable view of a sealed document: its fields
// with Chinese and English labels, its seals, its digest and a QR code of
// its public verification URL. The page runs no script (the caller sends
// PrintCSP with it).
func PrintView(in PrintInput) ([]byte, error) {
	env, err := seal.ParseEnvelope(in.Envelope)
	if err != nil {
		return nil, ucx.Internal("html.PrintView", err)
	}
	var doc printDoc
	if err := json.Unmarshal(env.Document, &doc); err != nil {
		return nil, ucx.Internal("html.PrintView", err)
	}
	pg := printPage{Title: printLabel(in.Kind), Digest: in.Digest, VerifyURL: in.VerifyURL, LocalQR: in.LocalQR,
		RootFingerprint: in.RootFingerprint}
	pg.Number, pg.Facts, pg.Vehicles, pg.Letters = doc.layout()
	for _, v := range pg.Vehicles {
		pg.Outlets = pg.Outlets || len(v.Outlets) > 0
	}
	if pg.QR, err = qrSVG(pg.VerifyURL); err != nil {
		return nil, ucx.Internal("html.PrintView", err)
	}
	for _, sl := range env.Seals {
		pg.Seals = append(pg.Seals, printSeal{OrgName: in.SealNames[sl.KeyID], KeyID: sl.KeyID, Alg: string(sl.Alg),
			SealedAt: sl.SealedAt.UTC().Format(time.RFC3339)})
	}
	if in.RevokedAt != nil {
		pg.RevokedAt, pg.Reason = in.RevokedAt.UTC().Format(time.RFC3339), in.RevokedReason
	}
	var buf bytes.Buffer
	if err := printTemplate.Execute(&buf, pg); err != nil {
		return nil, ucx.Internal("html.PrintView", err)
	}
	return buf.Bytes(), nil
}

// PrintCSP is the print view's Content-Security-Policy. The print view may
// be opened by a holder's link and shows text others filed: no script may
// run in it at all. Its one style sheet is inline, its QR code a data:
// image.
const PrintCSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
