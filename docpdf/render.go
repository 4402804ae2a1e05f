package docpdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/ucxdev/ucx"
	"github.com/ucxdev/ucx/seal"
)

// Input is what a PDF is made from: the sealed envelope as stored, the
// bundle to embed, and what the platform knows beside the document.
type Input struct {
	Envelope []byte // the sealed envelope (seal.ParseEnvelope reads it)
	Bundle   []byte // the verification bundle, embedded as ucx-bundle.json
	// VerifyURL is the public verify address of the document, encoded in
	// the QR code; LocalQR says it is only the address the request came
	// in on (no --public-url), which the PDF then states.
	VerifyURL string
	LocalQR   bool
	// RootKeyID is the fingerprint (key id) of the platform root key that
	// seals the trust list, for the reader to compare with the published
	// one.
	RootKeyID string
	// SealNames maps key ids to their organisations' names, from the
	// trust list; a seal whose key is not there shows its organisation id.
	SealNames map[string]string
	// RevokedAt and RevokedReason mark a revoked document across its pages.
	RevokedAt     *time.Time
	RevokedReason string
}

// Document types Render knows, as the sealed documents name them.
const (
	typeConfirmation = "ucx.confirmation.v1"
	typeLicence      = "ucx.licence.v1"
)

type licenceDoc struct {
	Authority     string `json:"authority"`
	Confirmations []struct {
		SHA256 string `json:"sha256"`
	} `json:"confirmations"`
	Destination    string `json:"destination"`
	Exporter       string `json:"exporter"`
	ExporterFiling string `json:"exporter_filing_number"`
	IssuedOn       string `json:"issued_on"`
	Number         string `json:"number"`
	Schedule       []struct {
		Brand            string `json:"brand"`
		Model            string `json:"model"`
		RegistrationDate string `json:"registration_date"`
		TransferDate     string `json:"transfer_date"`
		VIN              string `json:"vin"`
	} `json:"schedule"`
	Type       string `json:"type"`
	ValidUntil string `json:"valid_until"`
}

type confirmationDoc struct {
	Destinations []string `json:"destinations"`
	IssuedOn     string   `json:"issued_on"`
	Manufacturer string   `json:"manufacturer"`
	Type         string   `json:"type"`
	Vehicles     []struct {
		Brand   string `json:"brand"`
		Model   string `json:"model"`
		Outlets []struct {
			Address  string `json:"address"`
			Contact  string `json:"contact"`
			Country  string `json:"country"`
			Provider string `json:"provider"`
		} `json:"outlets"`
		RegistrationDate string `json:"registration_date"`
		VIN              string `json:"vin"`
	} `json:"vehicles"`
}

// Render makes the PDF of a sealed confirmation or licence. Other
// documents (revocation records) have no PDF: ENOTFOUND.
func Render(in Input) ([]byte, error) {
	env, err := seal.ParseEnvelope(in.Envelope)
	if err != nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the document is not a sealed envelope: %v", err)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(env.Document, &head); err != nil {
		return nil, ucx.Errorf(ucx.EINVALID, "the sealed document is not a JSON object")
	}
	r := &renderer{in: in, env: env, digest: env.Digest.String()}
	switch head.Type {
	case typeLicence:
		var d licenceDoc
		if err := json.Unmarshal(env.Document, &d); err != nil {
			return nil, ucx.Errorf(ucx.EINVALID, "the sealed licence cannot be read: %v", err)
		}
		r.start(d.IssuedOn, "二手车出口许可证 Used vehicle export licence "+d.Number, env.Document)
		r.licence(&d)
	case typeConfirmation:
		var d confirmationDoc
		if err := json.Unmarshal(env.Document, &d); err != nil {
			return nil, ucx.Errorf(ucx.EINVALID, "the sealed confirmation cannot be read: %v", err)
		}
		r.start(d.IssuedOn, "售后维修服务确认书 After-sales service confirmation", env.Document)
		r.confirmation(&d)
	default:
		return nil, ucx.Errorf(ucx.ENOTFOUND, "documents of type %q have no PDF; open their print view", clip(head.Type))
	}
	var buf bytes.Buffer
	if err := r.f.Output(&buf); err != nil {
		return nil, ucx.Internal("docpdf.Render", err)
	}
	return buf.Bytes(), nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// Page geometry, in millimetres (A4).
const (
	pageW, pageH = 210.0, 297.0
	marginX      = 17.0
	contentW     = pageW - 2*marginX
	bodyTop      = 24.0
	bodyBottom   = pageH - 16.0
)

// Colours.
var (
	black    = [3]int{20, 20, 20}
	grey     = [3]int{95, 95, 95}
	rule     = [3]int{150, 150, 150}
	labelBg  = [3]int{242, 242, 238}
	sealRed  = [3]int{200, 16, 30}
	warnText = [3]int{150, 90, 0}
)

type renderer struct {
	in     Input
	env    *seal.Envelope
	digest string
	f      *fpdf.Fpdf
	y      float64
	// header is drawn at the top of every page of the current part.
	header string
	col    [3]int // the text colour
}

// start makes the PDF with its fonts cut to the document's characters,
// its metadata and the bundle attachment.
func (r *renderer) start(issuedOn, title string, doc []byte) {
	f := fpdf.New("P", "mm", "A4", "")
	r.f = f
	texts := append(docStrings(doc), staticTexts...)
	for _, n := range countries {
		texts = append(texts, n[:]...)
	}
	texts = append(texts, r.in.VerifyURL, r.in.RootKeyID, r.in.RevokedReason, title)
	for _, n := range r.in.SealNames {
		texts = append(texts, n)
	}
	addFonts(f, texts)
	f.SetMargins(marginX, bodyTop, marginX)
	f.SetAutoPageBreak(false, 0)
	f.AliasNbPages("{nb}")
	f.SetTitle(title, true)
	f.SetSubject(r.digest, true)
	f.SetCreator("ucx", true)
	f.SetProducer("ucx", true)
	// A fixed date keeps the same document's PDF the same bytes.
	if t, err := time.Parse("2006-01-02", issuedOn); err == nil {
		f.SetCreationDate(t)
		f.SetModificationDate(t)
	}
	f.SetCatalogSort(true)
	f.SetAttachments([]fpdf.Attachment{{Content: r.in.Bundle, Filename: BundleName,
		Description: "ucx verification bundle: ucx verify <this file>.pdf"}})
	f.SetFooterFunc(r.footer)
	f.SetHeaderFunc(r.pageHeader)
}

// docStrings are every string value in the document, for the font cut.
func docStrings(doc []byte) []string {
	var v any
	if json.Unmarshal(doc, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// --- text in two fonts ---

type run struct {
	cjk  bool
	text string
}

func runs(s string) []run {
	var out []run
	for _, c := range s {
		k := isCJK(c)
		if n := len(out); n > 0 && out[n-1].cjk == k {
			out[n-1].text += string(c)
			continue
		}
		out = append(out, run{k, string(c)})
	}
	return out
}

func (r *renderer) setFont(cjk, bold bool, size float64) {
	switch {
	case cjk:
		r.f.SetFont("cjk", "", size)
	case bold:
		r.f.SetFont("lat", "B", size)
	default:
		r.f.SetFont("lat", "", size)
	}
}

// width is the width of s at size points.
func (r *renderer) width(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, rn := range runs(s) {
		r.setFont(rn.cjk, bold, size)
		w += r.f.GetStringWidth(rn.text)
	}
	return w
}

// text draws s with its baseline at y. CJK in bold is filled and stroked
// with a thin outline of its own colour, as the CJK font has one weight;
// the text stays one run, so copying and extracting it are unaffected.
func (r *renderer) text(x, y float64, s string, size float64, bold bool) float64 {
	x0 := x
	for _, rn := range runs(s) {
		r.setFont(rn.cjk, bold, size)
		if rn.cjk && bold {
			dr, dg, db := r.f.GetDrawColor()
			lw := r.f.GetLineWidth()
			r.f.SetDrawColor(r.col[0], r.col[1], r.col[2])
			r.f.SetLineWidth(size * 0.006)
			r.f.SetTextRenderingMode(2)
			r.f.Text(x, y, rn.text)
			r.f.SetTextRenderingMode(0)
			r.f.SetDrawColor(dr, dg, db)
			r.f.SetLineWidth(lw)
		} else {
			r.f.Text(x, y, rn.text)
		}
		x += r.f.GetStringWidth(rn.text)
	}
	return x - x0
}

func (r *renderer) textCentre(cx, y float64, s string, size float64, bold bool) {
	r.text(cx-r.width(s, size, bold)/2, y, s, size, bold)
}

func (r *renderer) textRight(x, y float64, s string, size float64, bold bool) {
	r.text(x-r.width(s, size, bold), y, s, size, bold)
}

// wrap breaks s into lines no wider than w: at spaces in Latin text,
// between any two CJK characters, and inside a word too long for a line
// (a digest).
func (r *renderer) wrap(s string, size float64, bold bool, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line string
		for _, tok := range tokens(para) {
			try := line + tok
			if line != "" && r.width(try, size, bold) > w {
				lines = append(lines, strings.TrimRight(line, " "))
				tok = strings.TrimLeft(tok, " ")
				try = tok
			}
			for r.width(try, size, bold) > w && len([]rune(try)) > 1 {
				rs := []rune(try)
				n := len(rs) - 1
				for n > 1 && r.width(string(rs[:n]), size, bold) > w {
					n--
				}
				lines = append(lines, string(rs[:n]))
				try = string(rs[n:])
			}
			line = try
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// tokens splits text into breakable pieces: each CJK character, each
// Latin word with the spaces before it.
func tokens(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	prevSpace := false
	for _, c := range s {
		switch {
		case isCJK(c):
			flush()
			out = append(out, string(c))
			prevSpace = false
		case c == ' ':
			if !prevSpace {
				flush()
			}
			cur.WriteRune(c)
			prevSpace = true
		default: // spaces stay in front of the word they precede
			cur.WriteRune(c)
			prevSpace = false
		}
	}
	flush()
	return out
}

// paragraph draws wrapped text from the cursor and moves it down.
func (r *renderer) paragraph(s string, size float64, bold bool, col [3]int) {
	lh := size * 0.36 * 1.35
	r.colour(col)
	for _, l := range r.wrap(s, size, bold, contentW) {
		r.need(lh)
		r.text(marginX, r.y+lh*0.8, l, size, bold)
		r.y += lh
	}
	r.colour(black)
}

func (r *renderer) colour(c [3]int) { r.col = c; r.f.SetTextColor(c[0], c[1], c[2]) }

// need starts a new page when h more millimetres do not fit.
func (r *renderer) need(h float64) bool {
	if r.y+h <= bodyBottom {
		return false
	}
	r.newPage(r.header)
	return true
}

func (r *renderer) newPage(header string) {
	r.header = header
	r.f.AddPage()
	r.y = bodyTop
	if r.in.RevokedAt != nil {
		r.revokedStamp()
	}
}

func (r *renderer) pageHeader() {
	f := r.f
	r.colour(grey)
	r.text(marginX, 13, r.header, 8, false)
	r.textRight(pageW-marginX, 13, "ucx · 电子签章文件 Electronically sealed document", 8, false)
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.3)
	f.Line(marginX, 15.5, pageW-marginX, 15.5)
	r.colour(black)
}

func (r *renderer) footer() {
	f := r.f
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.2)
	f.Line(marginX, pageH-14, pageW-marginX, pageH-14)
	r.colour(grey)
	r.text(marginX, pageH-10, "文件摘要 Digest "+r.digest, 6.5, false)
	r.textRight(pageW-marginX, pageH-10, fmt.Sprintf("第 %d 页 · Page %d of {nb}", f.PageNo(), f.PageNo()), 7, false)
	r.colour(black)
}

// revokedStamp marks a revoked document on every page.
func (r *renderer) revokedStamp() {
	f := r.f
	f.SetAlpha(0.25, "Normal")
	r.colour(sealRed)
	f.TransformBegin()
	f.TransformRotate(30, pageW/2, pageH/2)
	r.textCentre(pageW/2, pageH/2, "已撤销 REVOKED ОТОЗВАНО", 40, true)
	f.TransformEnd()
	f.SetAlpha(1, "Normal")
	reason := "已撤销 REVOKED / ОТОЗВАНО " + r.in.RevokedAt.UTC().Format("2006-01-02 15:04 UTC")
	if r.in.RevokedReason != "" {
		reason += ": " + r.in.RevokedReason
	}
	r.paragraph(reason, 10, true, sealRed)
	r.y += 1
}

// --- building blocks ---

// title draws the document's title block: the main title, its
// translation, and the number box when there is one.
func (r *renderer) title(main, sub, numLabel, number string) {
	r.y += 3
	size := 22.0
	for size > 12 && r.width(main, size, true) > contentW {
		size--
	}
	for _, l := range r.wrap(main, size, true, contentW) {
		r.textCentre(pageW/2, r.y+size*0.36, l, size, true)
		r.y += size * 0.36 * 1.3
	}
	r.y += 1.5
	r.colour(grey)
	for _, l := range r.wrap(sub, 10, true, contentW) {
		r.textCentre(pageW/2, r.y+3.6, l, 10, true)
		r.y += 5
	}
	r.colour(black)
	r.y += 3
	if number != "" {
		s := numLabel + "  " + number
		w := r.width(s, 11, true) + 8
		x := pageW - marginX - w
		r.f.SetDrawColor(black[0], black[1], black[2])
		r.f.SetLineWidth(0.4)
		r.f.Rect(x, r.y, w, 8, "D")
		r.text(x+4, r.y+5.5, s, 11, true)
		r.y += 11
	}
}

// section draws a section heading with a rule under it.
func (r *renderer) section(s string) {
	r.need(16)
	r.y += 3
	r.text(marginX, r.y+4, s, 10.5, true)
	r.y += 6
	r.f.SetDrawColor(black[0], black[1], black[2])
	r.f.SetLineWidth(0.5)
	r.f.Line(marginX, r.y, pageW-marginX, r.y)
	r.y += 2
}

// facts draws label / value rows, the labels shaded.
func (r *renderer) facts(rows [][2]string) {
	const labelW, size, pad = 62.0, 9.5, 2.0
	lh := size * 0.36 * 1.3
	f := r.f
	f.SetDrawColor(rule[0], rule[1], rule[2])
	f.SetLineWidth(0.2)
	for _, row := range rows {
		ll := r.wrap(row[0], 8.5, false, labelW-2*pad)
		vl := r.wrap(row[1], size, true, contentW-labelW-2*pad)
		h := float64(max(len(ll), len(vl)))*lh + 2*pad
		r.need(h)
		f.SetFillColor(labelBg[0], labelBg[1], labelBg[2])
		f.Rect(marginX, r.y, labelW, h, "FD")
		f.Rect(marginX+labelW, r.y, contentW-labelW, h, "D")
		r.colour(grey)
		for i, l := range ll {
			r.text(marginX+pad, r.y+pad+lh*float64(i)+lh*0.78, l, 8.5, false)
		}
		r.colour(black)
		for i, l := range vl {
			r.text(marginX+labelW+pad, r.y+pad+lh*float64(i)+lh*0.78, l, size, true)
		}
		r.y += h
	}
	r.y += 3
}

// table draws a table with a shaded header row, repeated on each page it
// runs onto.
func (r *renderer) table(cols []string, widths []float64, rows [][]string, size float64) {
	const pad = 1.5
	lh := size * 0.36 * 1.3
	f := r.f
	var drawRow func(cells []string, head bool)
	drawRow = func(cells []string, head bool) {
		lines := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			fs := size
			if head {
				fs = size - 1
			}
			lines[i] = r.wrap(c, fs, head, widths[i]-2*pad)
			n = max(n, len(lines[i]))
		}
		h := float64(n)*lh + 2*pad
		if !head && r.need(h) {
			drawRow(cols, true) // the header again on the new page
		}
		x := marginX
		f.SetDrawColor(rule[0], rule[1], rule[2])
		f.SetLineWidth(0.2)
		for i := range cells {
			style := "D"
			if head {
				f.SetFillColor(labelBg[0], labelBg[1], labelBg[2])
				style = "FD"
			}
			f.Rect(x, r.y, widths[i], h, style)
			fs := size
			if head {
				fs = size - 1
				r.colour(grey)
			}
			for k, l := range lines[i] {
				r.text(x+pad, r.y+pad+lh*float64(k)+lh*0.78, l, fs, false)
			}
			r.colour(black)
			x += widths[i]
		}
		r.y += h
	}
	r.need(2 * (lh*2 + 2*pad))
	drawRow(cols, true)
	for _, row := range rows {
		drawRow(row, false)
	}
	r.y += 3
}

// sealAndVerify is the closing block: the seal on the left, the QR code
// and the verification facts on the right.
func (r *renderer) sealAndVerify(sealCaption string, lang string) {
	const blockH = 63.0
	r.need(blockH)
	top := r.y + 2
	f := r.f

	// The seal(s).
	r.colour(grey)
	for k, l := range r.wrap(sealCaption, 7.5, false, 50) {
		r.text(marginX, top+3+float64(k)*3.4, l, 7.5, false)
	}
	r.colour(black)
	for i, s := range r.env.Seals {
		if i == 2 {
			break
		}
		name := r.in.SealNames[s.KeyID]
		if name == "" {
			name = "机构 Organisation " + s.Org
		}
		cx, cy := marginX+24+float64(i)*52, top+31
		drawSeal(r, cx, cy, 20, name)
		r.colour(grey)
		r.textCentre(cx, cy+24.5, "密钥 Key · "+s.SealedAt.UTC().Format("2006-01-02 15:04:05 UTC"), 6, false)
		r.textCentre(cx, cy+27.5, s.KeyID, 5.4, false)
		r.colour(black)
	}

	// The QR code and what to compare.
	qx := pageW - marginX - 34.0
	drawQR(r, r.in.VerifyURL, qx, top+2, 34)
	nseals := min(len(r.env.Seals), 2)
	tx := marginX + 52*float64(max(nseals, 1)) + 2
	tw := qx - tx - 4
	ty := top + 4
	line := func(s string, size float64, bold bool, col [3]int) {
		r.colour(col)
		for _, l := range r.wrap(s, size, bold, tw) {
			r.text(tx, ty, l, size, bold)
			ty += size * 0.36 * 1.3
		}
		ty += 0.8
		r.colour(black)
	}
	switch lang {
	case "ru":
		line("Проверка подлинности / Verify", 9, true, black)
		line("Отсканируйте QR-код или откройте / Scan or open:", 7, false, grey)
	default:
		line("扫码核验 Scan to verify", 9, true, black)
		line("在线核验 Verify online:", 7, false, grey)
	}
	line(r.in.VerifyURL, 6.5, false, black)
	if r.in.LocalQR {
		line("注意：本二维码指向本机地址（未设置公网地址 --public-url）。Note: the QR code points at a local address; the operator has set no public address.", 6.5, false, warnText)
	}
	line("离线核验 Offline / Офлайн: ucx verify <file>.pdf", 7, false, grey)
	line("文件摘要 Document digest (SHA-256):", 7, false, grey)
	line(r.digest, 6.5, false, black)
	line("根密钥指纹 Root key fingerprint / Отпечаток корневого ключа:", 7, false, grey)
	line(r.in.RootKeyID, 6.5, false, black)
	f.SetDrawColor(rule[0], rule[1], rule[2])
	r.y = math.Max(top+blockH-4, ty)
}

// drawSeal draws an official round seal: a double red ring, the
// organisation's name along the upper arc, a five-pointed star, and
// "电子印章" below it.
func drawSeal(r *renderer, cx, cy, rad float64, name string) {
	f := r.f
	f.SetAlpha(0.9, "Multiply")
	f.SetDrawColor(sealRed[0], sealRed[1], sealRed[2])
	f.SetFillColor(sealRed[0], sealRed[1], sealRed[2])
	f.SetLineWidth(1.1)
	f.Circle(cx, cy, rad, "D")
	f.SetLineWidth(0.3)
	f.Circle(cx, cy, rad-1.6, "D")
	// The star.
	var pts []fpdf.PointType
	for i := 0; i < 10; i++ {
		a := -math.Pi/2 + float64(i)*math.Pi/5
		rr := 5.6
		if i%2 == 1 {
			rr = 2.2
		}
		pts = append(pts, fpdf.PointType{X: cx + rr*math.Cos(a), Y: cy - 1 + rr*math.Sin(a)})
	}
	f.Polygon(pts, "F")
	// The name along the arc, each character upright to the centre.
	r.colour(sealRed)
	chars := []rune(name)
	size := 10.5
	if len(chars) > 14 {
		size = 10.5 * 14 / float64(len(chars))
	}
	span := math.Min(250, 17*float64(len(chars))*size/10.5)
	arcR := rad - 5.2
	for i, c := range chars {
		t := 0.5
		if len(chars) > 1 {
			t = float64(i) / float64(len(chars)-1)
		}
		deg := 90 + span/2 - t*span // from left to right over the top
		a := deg * math.Pi / 180
		x, y := cx+arcR*math.Cos(a), cy-arcR*math.Sin(a)
		w := r.width(string(c), size, true)
		f.TransformBegin()
		f.TransformRotate(deg-90, x, y)
		r.text(x-w/2, y+size*0.36*0.35, string(c), size, true)
		f.TransformEnd()
	}
	r.textCentre(cx, cy+9.5, "电子印章", 8.5, true)
	r.colour(black)
	f.SetAlpha(1, "Normal")
}

// drawQR draws the QR code of s as filled modules, size mm square.
func drawQR(r *renderer, s string, x, y, size float64) {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	m := size / float64(len(bm))
	f := r.f
	f.SetFillColor(0, 0, 0)
	for row, line := range bm {
		for col := 0; col < len(line); col++ {
			if !line[col] {
				continue
			}
			start := col
			for col+1 < len(line) && line[col+1] {
				col++
			}
			f.Rect(x+float64(start)*m, y+float64(row)*m, float64(col-start+1)*m, m+0.01, "F")
		}
	}
}
