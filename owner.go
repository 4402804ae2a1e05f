package ucx

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// CodeCertificateOwnerMissing is the code of the note a decision carries
// when the application does not give the certificate's owner (R10).
const CodeCertificateOwnerMissing = "certificate_owner_missing"

// SameLegalName reports whether a and b are the same organisation name as
// written on a certificate and on a filing: equal once full-width forms are
// folded to their narrow ones (（） and (), Ａ and A) and runs of white
// space, the ideographic space included, are one space, with none at the
// ends. Nothing else is forgiven: a legal name is exact (R10).
func SameLegalName(a, b string) bool {
	return foldName(a) == foldName(b)
}

func foldName(s string) string {
	return strings.Join(strings.FieldsFunc(width.Narrow.String(s), unicode.IsSpace), " ")
}

// CertificateOwnerProblem is the R10 check of an application's certificate
// owner against the legal name of the exporter filing it: after the
// transfer for export (转让登记待出口, R13) the registration certificate
// names the exporter as the vehicle's owner, and only the exporter itself
// applies for the licence (谁出口谁申领). It returns "" when the owner is
// given and is exporterName (SameLegalName), and when it is not given — a
// missing owner is a note at filing (CertificateOwnerNote), and a problem at
// issue (CertificateOwnerIssueProblem). Otherwise it returns the problem in
// words, naming both names and the fix.
func CertificateOwnerProblem(in *ApplicationInput, exporterName string) string {
	if in == nil {
		return ""
	}
	owner := trimSpace(in.Certificate.Owner)
	if owner == "" || SameLegalName(owner, exporterName) {
		return ""
	}
	return "R10: the registration certificate's owner (机动车所有人) is " + quote(owner) +
		", not the exporter filing, " + quote(trimSpace(exporterName)) +
		": after the transfer for export (R13) the certificate must name the exporter, which alone applies for the licence (谁出口谁申领); " +
		"give the owner exactly as printed on the certificate, and have the vehicle transferred to " + quote(trimSpace(exporterName)) +
		" first if it is not yet, or let the owner file"
}

// CertificateOwnerIssueProblem is CertificateOwnerProblem as the licence
// is issued, where the owner is required: "" only when it is given and is
// exporterName. For the authority's checks at issue (R10, R14).
func CertificateOwnerIssueProblem(in *ApplicationInput, exporterName string) string {
	if in != nil && trimSpace(in.Certificate.Owner) == "" {
		return "R10: the registration certificate's owner (机动车所有人) is not given; the licence is issued only when the certificate names the exporter " +
			quote(trimSpace(exporterName)) + " as the owner: amend the application's certificate.owner to the name as printed on the certificate"
	}
	return CertificateOwnerProblem(in, exporterName)
}

// CertificateOwnerError is CertificateOwnerProblem as the error a filing is
// refused with: EINVALID naming certificate.owner, or nil.
func CertificateOwnerError(in *ApplicationInput, exporterName string) error {
	if p := CertificateOwnerProblem(in, exporterName); p != "" {
		return FieldErrorf(EINVALID, "certificate.owner", "%s", p)
	}
	return nil
}

// CertificateOwnerNote adds to d the R10 note of an application that does
// not give its certificate's owner: it may be filed (older data do not
// carry it), but the licence is not issued without it. The outcome is not
// changed.
func CertificateOwnerNote(in *ApplicationInput, d *Decision) {
	if in == nil || trimSpace(in.Certificate.Owner) != "" {
		return
	}
	d.Add(Reason{Rule: "R10", Code: CodeCertificateOwnerMissing, Severity: Note, Field: "certificate.owner",
		Message:   "R10: give the registration certificate's owner (机动车所有人) as printed on it; it must be the exporter filing, and the licence is not issued without it",
		MessageZH: "R10：请按机动车登记证书所载填写机动车所有人；所有人须为申请出口的企业本身，未填写的不予签发出口许可证"})
}
