package bundle

import "github.com/ucxdev/ucx/seal"

// Text is the wording of a verification in one language, shared by the
// CLI report and the /verify page so that they say the same thing. Reason
// codes and details stay as they are: codes are for programs, details
// name keys, times and digests.
type Text struct {
	Verdicts                  map[string]string // by Verdict*
	Integrity, Issuer, Status string
	Log                       string
	Pass, Fail                string
	Reasons                   map[string]string // by reason code
}

// Texts are the languages a verification is told in.
var Texts = map[string]*Text{
	"zh": {
		Verdicts:  map[string]string{VerdictValid: "有效", VerdictNotValid: "无效——可能是伪造", VerdictRevoked: "已撤销", VerdictCannotCheck: "无法核验"},
		Integrity: "完整性", Issuer: "签发方", Status: "状态", Log: "透明日志", Pass: "通过", Fail: "未通过",
		Reasons: map[string]string{
			string(seal.ReasonMalformed):       "无法读取",
			string(seal.ReasonTampered):        "文件在盖章后被改动",
			string(seal.ReasonBadSignature):    "签名无法验证",
			string(seal.ReasonAlgMismatch):     "印章算法与密钥不符",
			string(seal.ReasonUnknownKey):      "密钥不在信任列表中",
			string(seal.ReasonWrongOrg):        "密钥属于其他机构",
			string(seal.ReasonKeyNotYetValid):  "盖章时密钥尚未生效",
			string(seal.ReasonKeyExpired):      "盖章时密钥已过期",
			string(seal.ReasonUntrustedList):   "信任列表未经根密钥签署",
			string(seal.ReasonMissingSeal):     "缺少所需机构的有效印章",
			string(seal.ReasonKeyRevoked):      "盖章前密钥已被吊销",
			string(seal.ReasonDocumentRevoked): "文件已被撤销",
			string(ReasonUnknownRoot):          "根密钥未经固定（未知根）：请从平台获取根密钥指纹并固定",
			string(ReasonWrongIssuer):          "没有文件所列签发机构的有效印章",
			string(ReasonWrongKind):            "该机构类型无权签发此类文件",
			string(ReasonUnknownType):          "文件类型未知",
			string(ReasonStatusUnproven):       "无法离线确认是否已撤销",
			LogReasonMissing:                   "缺少透明日志证明",
			LogReasonUntrusted:                 "检查点未经所信任的日志密钥签署",
			LogReasonBadProof:                  "日志证明无效",
			LogReasonEntryMismatch:             "日志记录的不是此文件",
			LogReasonWitnesses:                 "见证方联署不足",
		},
	},
	"en": {
		Verdicts:  map[string]string{VerdictValid: "Valid", VerdictNotValid: "NOT VALID — possible forgery", VerdictRevoked: "Revoked", VerdictCannotCheck: "Cannot be checked"},
		Integrity: "Integrity", Issuer: "Issuer", Status: "Status", Log: "Transparency log", Pass: "pass", Fail: "FAIL",
		Reasons: map[string]string{
			string(seal.ReasonMalformed):       "cannot be read",
			string(seal.ReasonTampered):        "the document was changed after sealing",
			string(seal.ReasonBadSignature):    "the signature does not verify",
			string(seal.ReasonAlgMismatch):     "the seal's algorithm is not its key's",
			string(seal.ReasonUnknownKey):      "the key is not on the trust list",
			string(seal.ReasonWrongOrg):        "the key belongs to another organisation",
			string(seal.ReasonKeyNotYetValid):  "the key was not yet valid when sealing",
			string(seal.ReasonKeyExpired):      "the key had expired when sealing",
			string(seal.ReasonUntrustedList):   "the trust list is not sealed by the root key",
			string(seal.ReasonMissingSeal):     "a required organisation's valid seal is missing",
			string(seal.ReasonKeyRevoked):      "the key was revoked before sealing",
			string(seal.ReasonDocumentRevoked): "the document has been revoked",
			string(ReasonUnknownRoot):          "unknown root: the platform root is not pinned; obtain its fingerprint and pin it",
			string(ReasonWrongIssuer):          "no valid seal of the issuer the document names",
			string(ReasonWrongKind):            "this kind of organisation may not issue this document",
			string(ReasonUnknownType):          "unknown document type",
			string(ReasonStatusUnproven):       "whether it was revoked cannot be told offline",
			LogReasonMissing:                   "the transparency-log proof is missing",
			LogReasonUntrusted:                 "the checkpoint is not signed by the log key you trust",
			LogReasonBadProof:                  "the log proof is not valid",
			LogReasonEntryMismatch:             "the log recorded another document",
			LogReasonWitnesses:                 "too few witness cosignatures",
		},
	},
	"ru": {
		Verdicts:  map[string]string{VerdictValid: "Действителен", VerdictNotValid: "НЕДЕЙСТВИТЕЛЕН — возможна подделка", VerdictRevoked: "Отозван", VerdictCannotCheck: "Проверить невозможно"},
		Integrity: "Целостность", Issuer: "Выдавший орган", Status: "Статус", Log: "Журнал прозрачности", Pass: "пройдено", Fail: "НЕ ПРОЙДЕНО",
		Reasons: map[string]string{
			string(seal.ReasonMalformed):       "не удаётся прочитать",
			string(seal.ReasonTampered):        "документ изменён после заверения",
			string(seal.ReasonBadSignature):    "подпись не проходит проверку",
			string(seal.ReasonAlgMismatch):     "алгоритм печати не совпадает с ключом",
			string(seal.ReasonUnknownKey):      "ключа нет в списке доверия",
			string(seal.ReasonWrongOrg):        "ключ принадлежит другой организации",
			string(seal.ReasonKeyNotYetValid):  "ключ ещё не действовал в момент заверения",
			string(seal.ReasonKeyExpired):      "срок ключа истёк к моменту заверения",
			string(seal.ReasonUntrustedList):   "список доверия не заверен корневым ключом",
			string(seal.ReasonMissingSeal):     "нет действительной печати требуемой организации",
			string(seal.ReasonKeyRevoked):      "ключ был отозван до заверения",
			string(seal.ReasonDocumentRevoked): "документ отозван",
			string(ReasonUnknownRoot):          "неизвестный корневой ключ: получите отпечаток ключа платформы и закрепите его",
			string(ReasonWrongIssuer):          "нет действительной печати организации, указанной как выдавшая",
			string(ReasonWrongKind):            "организация такого вида не может выдавать этот документ",
			string(ReasonUnknownType):          "неизвестный тип документа",
			string(ReasonStatusUnproven):       "отозван ли документ, офлайн установить нельзя",
			LogReasonMissing:                   "нет доказательства из журнала прозрачности",
			LogReasonUntrusted:                 "контрольная точка не подписана доверенным ключом журнала",
			LogReasonBadProof:                  "доказательство из журнала недействительно",
			LogReasonEntryMismatch:             "в журнале записан другой документ",
			LogReasonWitnesses:                 "недостаточно подписей свидетелей",
		},
	},
}

// ReasonText is a reason code in language lang (English when lang is
// unknown), the code itself when no wording exists yet.
func ReasonText(lang, code string) string {
	t, ok := Texts[lang]
	if !ok {
		t = Texts["en"]
	}
	if s, ok := t.Reasons[code]; ok {
		return s
	}
	return code
}
