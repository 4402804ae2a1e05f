package ucx_test

import (
	"strings"
	"testing"

	"github.com/ucxdev/ucx"
)

const exporterName = "上海某某二手车出口有限公司"

func withOwner(owner string) *ucx.ApplicationInput {
	return &ucx.ApplicationInput{Certificate: ucx.CertificateValues{Brand: "Testa", Model: "T1", Owner: owner}}
}

// TestCertificateOwnerProblem: R10 — the certificate's owner must be the
// exporter filing; full-width forms and spacing are not a different name,
// anything else is, and a missing owner is no problem at filing but one at
// issue.
func TestCertificateOwnerProblem(t *testing.T) {
	for _, tc := range []struct {
		name, owner, exporter string
		filing                bool // a problem at filing and at issue
	}{
		{"the exporter itself", exporterName, exporterName, false},
		{"surrounding spaces", "  " + exporterName + " ", exporterName, false},
		{"full-width brackets against half-width", "某某汽车贸易（上海）有限公司", "某某汽车贸易(上海)有限公司", false},
		{"ideographic space", "ACME　Trading Co.", "ACME Trading Co.", false},
		{"full-width Latin letters", "ＡＣＭＥ Trading Co.", "ACME Trading Co.", false},
		{"another company", "北京某某汽车销售有限公司", exporterName, true},
		{"a person, the previous owner", "张三", exporterName, true},
		{"one character short", "上海某某二手车出口公司", exporterName, true},
		{"case is part of a legal name", "acme trading co.", "ACME Trading Co.", true},
		{"not given: let through (older data lack it)", "", exporterName, false},
		{"only spaces is not given", "   ", exporterName, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := withOwner(tc.owner)
			got := ucx.CertificateOwnerProblem(in, tc.exporter)
			if (got != "") != tc.filing {
				t.Fatalf("CertificateOwnerProblem(%q, %q) = %q; want a problem: %v", tc.owner, tc.exporter, got, tc.filing)
			}
			if got != "" {
				for _, want := range []string{"R10", strings.TrimSpace(tc.owner), tc.exporter, "transferred to"} {
					if !strings.Contains(got, want) {
						t.Errorf("problem %q does not name %q", got, want)
					}
				}
			}
			err := ucx.CertificateOwnerError(in, tc.exporter)
			if (err != nil) != tc.filing {
				t.Fatalf("CertificateOwnerError = %v; want an error: %v", err, tc.filing)
			}
			if err != nil && (ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "certificate.owner") {
				t.Errorf("error %v: code %s field %q, want EINVALID certificate.owner", err, ucx.ErrorCode(err), ucx.ErrorField(err))
			}
		})
	}
	if p := ucx.CertificateOwnerProblem(nil, exporterName); p != "" {
		t.Errorf("nil input: %q", p)
	}
}

// TestValidate_CertificateOwner: the owner is one line of text of at most
// 200 bytes, and is trimmed by Normalize.
func TestValidate_CertificateOwner(t *testing.T) {
	base := func(owner string) *ucx.ApplicationInput {
		reg, _ := ucx.ParseDate("2024-01-10")
		return &ucx.ApplicationInput{
			Vehicle:     ucx.VehicleDetails{VIN: "LTESTA00000000000", Brand: "Testa", Model: "T1", RegistrationDate: reg, TransferDate: reg.AddDays(30)},
			Certificate: ucx.CertificateValues{Owner: owner},
			Destination: "KZ",
		}
	}
	in := base("  " + exporterName + "  ")
	in.Normalize()
	if in.Certificate.Owner != exporterName {
		t.Errorf("normalised owner %q", in.Certificate.Owner)
	}
	if err := in.Validate(); err != nil {
		t.Errorf("a plain owner is refused: %v", err)
	}
	for name, owner := range map[string]string{"too long": strings.Repeat("公司", 40), "two lines": "某某\n公司"} {
		err := base(owner).Validate()
		if ucx.ErrorCode(err) != ucx.EINVALID || ucx.ErrorField(err) != "certificate.owner" {
			t.Errorf("%s: %v, want EINVALID certificate.owner", name, err)
		}
	}
}
