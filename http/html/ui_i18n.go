package html

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ucxdev/ucx"
)

// uiCatalog is one language's messages. Keys are stable names; values are
// fmt formats. A key missing from a catalogue falls back to English, then
// to Chinese, then shows the key itself (a test checks that the Chinese
// and English catalogues have the same keys, so that never happens there).
type uiCatalog struct {
	tag  string // BCP 47, for lang= and Content-Language
	name string // the language's own name, for the switch
	msgs map[string]string
}

var uiCatalogs = map[string]*uiCatalog{
	"zh": {tag: "zh-CN", name: "中文", msgs: uiZH},
	"en": {tag: "en", name: "English", msgs: uiEN},
	"ru": {tag: "ru", name: "Русский", msgs: uiRU},
}

// T translates key, formatting args into it.
func (b *uiBase) T(key string, args ...any) string {
	msg, ok := b.loc.msgs[key]
	if !ok {
		if msg, ok = uiEN[key]; !ok {
			if msg, ok = uiZH[key]; !ok {
				return key
			}
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// LangTag is the page's BCP 47 language tag.
func (b *uiBase) LangTag() string { return b.loc.tag }

var uiMonthsEN = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Date formats a date as readers of the language write it: 2026年3月10日,
// 10 Mar 2026, 10.03.2026. The zero date is a dash.
func (b *uiBase) Date(d ucx.Date) string {
	if d.IsZero() {
		return "—"
	}
	y, m, day := d.Civil()
	switch b.Lang {
	case "zh":
		return fmt.Sprintf("%d年%d月%d日", y, m, day)
	case "ru":
		return fmt.Sprintf("%02d.%02d.%d", day, m, y)
	}
	return fmt.Sprintf("%d %s %d", day, uiMonthsEN[m-1], y)
}

// Time formats an instant in China time (the regime's clock, R1), to the
// minute.
func (b *uiBase) Time(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.In(ucx.ChinaTime)
	return b.Date(ucx.DateOf(t)) + " " + t.Format("15:04")
}

// Num formats an integer with the language's digit grouping: 12,345 in
// Chinese and English, 12 345 (narrow no-break space) in Russian.
func (b *uiBase) Num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if b.Lang == "ru" {
		sep = "\u202f"
	}
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out.WriteString(sep)
		}
		out.WriteRune(c)
	}
	return out.String()
}

// Waited says how long ago t was, in days and hours (or minutes under an
// hour): the time a confirmation request has waited.
func (b *uiBase) Waited(t time.Time) string {
	d := b.Now.Sub(t)
	if d < 0 {
		d = 0
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return b.T("dur.dh", days, hours)
	case hours > 0:
		return b.T("dur.hm", hours, mins)
	}
	return b.T("dur.m", mins)
}

// DaysUntil says how many days from today d is: "in 3 days", "today",
// "2 days ago".
func (b *uiBase) DaysUntil(d ucx.Date) string {
	if d.IsZero() {
		return "—"
	}
	n := d.Sub(b.Today)
	switch {
	case n == 0:
		return b.T("days.today")
	case n > 0:
		return b.T("days.in", n)
	}
	return b.T("days.ago", -n)
}

// State names a workflow state.
func (b *uiBase) State(s ucx.State) string { return b.T("state." + string(s)) }

// StateText names a state given as text (an event's before and after),
// showing unknown values as they are.
func (b *uiBase) StateText(s string) string {
	for _, prefix := range []string{"state.", "cstate.", "after."} {
		if _, ok := b.loc.msgs[prefix+s]; ok {
			return b.T(prefix + s)
		}
	}
	return s
}

// Outcome names a policy outcome by its stable name.
func (b *uiBase) Outcome(o string) string { return b.T("outcome." + o) }

// uiReasons is a decision's reasons with the page's language, for the
// "reasons" template, which shows each in that language (ucx.Reason.Text:
// Chinese on a Chinese page when the reason has it, English otherwise).
type uiReasons struct {
	Lang string
	List []ucx.Reason
}

// Reasons pairs a decision's reasons with the page's language.
func (b *uiBase) Reasons(rs []ucx.Reason) uiReasons {
	return uiReasons{Lang: b.Lang, List: rs}
}

// Energy names an energy type.
func (b *uiBase) Energy(e ucx.EnergyType) string {
	if e == "" {
		return "—"
	}
	return b.T("energy." + string(e))
}

// Standing names an exporter's credit standing (R8).
func (b *uiBase) Standing(s ucx.Standing) string {
	if s == "" {
		s = ucx.StandingNormal
	}
	return b.T("standing." + string(s))
}

// Refusal names a refusal code.
func (b *uiBase) Refusal(code string) string {
	if _, ok := b.loc.msgs["refusal."+code]; ok {
		return b.T("refusal." + code)
	}
	return code
}

// Action names a timeline event's action, or shows it as recorded.
func (b *uiBase) Action(a string) string {
	if _, ok := b.loc.msgs["action."+a]; ok {
		return b.T("action." + a)
	}
	return a
}

// Country shows an ISO code with the country's name when the catalogue
// knows it (the usual destinations), e.g. "俄罗斯 (RU)".
func (b *uiBase) Country(code string) string {
	if n, ok := b.loc.msgs["country."+code]; ok {
		return n + " (" + code + ")"
	}
	return code
}

// uiLetterList is a dashboard list of cars with their page's helpers.
type uiLetterList struct {
	B     *uiBase
	Items []*ucx.Application
}

// LetterList pairs items with the page, for the "letterlist" template.
func (b *uiBase) LetterList(items []*ucx.Application) uiLetterList {
	return uiLetterList{B: b, Items: items}
}

// NextStep says in words what happens next to the application and who
// must act.
func (pg *uiApplicationPage) NextStep() string {
	a := pg.App
	switch a.State {
	case ucx.StateDraft:
		return pg.T("next.draft")
	case ucx.StateSubmitted:
		return pg.T("next.submitted")
	case ucx.StateAwaitingConfirmation:
		return pg.T("next.awaiting")
	case ucx.StateUnderReview:
		return pg.T("next.under_review")
	case ucx.StateLicensed:
		return pg.T("next.licensed")
	case ucx.StateCleared:
		if pg.Licence != nil && !pg.Licence.DeregistrationDue.IsZero() {
			return pg.T("next.cleared", pg.Date(pg.Licence.DeregistrationDue))
		}
		return pg.T("next.cleared", "—")
	case ucx.StateRefused:
		return pg.T("next.refused")
	case ucx.StateWithdrawn:
		return pg.T("next.withdrawn")
	}
	return ""
}

func init() {
	uiFuncs["deref"] = func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	uiFuncs["derefTime"] = func(p *time.Time) time.Time {
		if p == nil {
			return time.Time{}
		}
		return *p
	}
}

// uiZH is Simplified Chinese, the default.
var uiZH = map[string]string{
	"title.bulk": "批量操作结果", "bulk.counts": "已提交 %s，已答复 %s，被拒 %s，未找到 %s", "bulk.more": "该导入还有更多草稿，请再点一次“提交全部草稿”。",
	"bulk.result": "结果", "bulk.submitted": "已提交", "bulk.answered": "已答复", "bulk.refused": "被拒", "bulk.not_found": "未找到",
	"bulk.none": "没有可处理的草稿。", "bulk.back": "返回", "bulk.submit_all": "提交全部草稿", "bulk.submit_ticked": "提交所选草稿",
	"bulk.approve_ticked": "对所选请求出具确认书（按目的国使用所选网点）", "bulk.refuse_ticked": "拒绝所选请求", "bulk.tick": "选择",
	"layout.skip": "跳到正文", "layout.tagline": "二手车出口合规平台", "layout.nav": "主导航", "layout.signout": "退出登录",
	"layout.footer": "依据商贸函〔2025〕648号：注册登记后180天内（含）申请出口许可证的车辆，须附生产企业《售后维修服务确认书》。",

	"title.invite": "设置密码", "invite.intro": "您已受邀使用 ucx。请为您的账户设置密码（至少 10 个字符）；邀请您的人不会知道它。邀请链接只能使用一次。",
	"invite.submit": "设置密码并登录", "invite.mismatch": "两次输入的密码不一致。", "field.password_repeat": "再次输入密码",
	"title.login": "登录", "title.home": "首页", "title.dashboard": "工作台", "title.applications": "出口许可证申请",
	"title.application": "申请", "title.new_application": "新建申请", "title.import_new": "批量导入", "title.import": "导入进度",
	"title.inbox": "确认书请求", "title.request": "确认书请求", "title.review": "待审核申请", "title.exporters": "出口企业与信用",
	"title.customs": "海关查验与放行", "title.verify": "文件验证",

	"nav.dashboard": "工作台", "nav.applications": "申请列表", "nav.new": "新建申请", "nav.import": "批量导入",
	"nav.inbox": "确认书请求", "nav.review": "待审核", "nav.exporters": "出口企业", "nav.customs": "查验放行", "nav.verify": "文件验证",

	"login.submit": "登录", "login.wrong": "用户名或密码错误。", "login.username_required": "请输入用户名。",
	"login.password_required": "请输入密码。", "login.ratelimited": "登录尝试过于频繁，请 %d 秒后再试。",
	"login.locked":      "该账户连续登录失败次数过多，已被锁定（按账户限制登录），请 %d 分钟后再试；本组织管理员可在审计记录中看到。",
	"login.unavailable": "本服务器未启用网页登录。", "login.verify_link": "无需登录即可验证确认书或许可证 →",

	"error.invalid": "输入有误", "error.unauthorized": "请先登录", "error.forbidden": "无权操作",
	"error.not_found": "未找到", "error.conflict": "记录已被他人更改", "error.rule_violation": "规则不允许",
	"error.too_large": "文件过大", "error.rate_limited": "请求过于频繁", "error.unavailable": "服务暂不可用",
	"error.internal": "内部错误，已记录。", "error.home": "返回首页", "error.form": "表单无法读取，请重新提交。",

	"home.operator": "平台运营账号负责管理机构和用户，不参与出口业务流程。",

	"dashboard.by_state": "各状态申请数", "dashboard.total": "共 %s 件申请",
	"dashboard.week": "本周（至 %s）不再需要确认书的车辆", "dashboard.month": "本月（至 %s）不再需要确认书的车辆",
	"dashboard.none": "没有。",

	"col.state": "状态", "col.outcome": "规则结论", "col.updated": "更新时间", "col.exporter": "出口企业",
	"col.letter_free_from": "无需确认书日期",
	"filter.any":           "全部", "filter.apply": "筛选", "filter.choose": "请选择",
	"list.count": "共 %s 件", "list.prev": "← 上一页", "list.next": "下一页 →", "list.pages": "分页",

	"field.username": "用户名", "field.password": "密码", "field.q": "搜索（VIN、品牌、车型、买方、合同号）",
	"field.vin": "车辆识别代号（VIN）", "field.brand": "品牌", "field.model": "车型", "field.energy_type": "能源类型",
	"field.battery_kwh": "电池容量（kWh）", "field.mileage_km": "行驶里程（公里）", "field.registration_date": "注册登记日期",
	"field.transfer_date": "转让登记待出口日期", "field.modified": "改装车", "field.cert_same": "登记证书信息与上述一致",
	"field.cert_brand": "证书品牌", "field.cert_model": "证书车型", "field.cert_registration_date": "证书注册登记日期",
	"field.cert_transfer_date": "证书转让登记日期", "field.destination": "目的国", "field.buyer": "境外买方",
	"field.contract_number": "合同号", "field.inspection_report": "检验报告编号（CMA/CNAS）", "field.file": "CSV 或 XLSX 文件",
	"field.code": "原因代码", "field.text": "说明", "field.reason": "原因", "field.port": "出境口岸",
	"field.declaration_number": "报关单号", "field.outlet": "服务网点", "field.document": "文件", "field.version": "版本",
	"hint.vin": "17 位，含校验位", "hint.registration_date": "如 2026-01-31，以机动车登记证书为准",
	"hint.destination": "ISO 国家代码，如 RU、KZ、AE", "hint.file": "第一行为表头，须含 vin 列；最多 64 MiB。",
	"hint.battery_kwh": "新能源车必填",

	"form.bad_date":   "无法识别日期“%s”，请写成 2026-01-31（也可用 2026/01/31 或 2026年1月31日）。",
	"form.bad_number": "“%s”不是数字，请只填写数值，如 60.5。", "form.bad_integer": "“%s”不是整数，请只填写公里数，如 12000。",

	"app.vehicle": "车辆", "app.certificate": "机动车登记证书", "app.trade": "贸易信息",
	"app.file_submit": "提交申请", "app.file_draft": "保存草稿", "app.version": "版本 %d",
	"app.application_date": "申请日期", "app.decision": "规则结论", "app.letter_free_from": "自 %s 起申请无需确认书（R1）。",
	"app.policy": "规则版本", "app.next": "下一步", "app.submit": "提交", "app.withdraw": "撤回申请",
	"app.issue": "签发许可证", "app.refuse_licence": "不予许可", "app.refuse": "不予许可", "app.documents": "文件",
	"app.no_documents": "尚无确认书或许可证。", "app.timeline": "办理记录",

	"next.draft": "草稿：核对后点击“提交”。", "next.submitted": "已提交，等待处理。",
	"next.awaiting": "等待生产企业出具《售后维修服务确认书》（R1）。", "next.under_review": "商务主管部门审核中。",
	"next.licensed": "许可证已签发：报关出口时由海关核验放行。", "next.cleared": "已通关放行；请在 %s 前办理注销登记（R16）。",
	"next.refused": "不予许可，见办理记录中的原因。", "next.withdrawn": "已撤回。",

	"doc.confirmation": "售后维修服务确认书请求", "doc.licence": "出口许可证", "doc.issued": "签发", "doc.valid_until": "有效至",
	"doc.view": "查看文件", "doc.pdf": "PDF", "doc.bundle": "下载核验包", "doc.verify": "核验", "doc.links": "文件链接",
	"doc.sealed_letter": "已盖章的确认书", "doc.letter": "售后维修服务确认书",
	"doc.cleared": "已放行（%s，报关单 %s）", "doc.dereg_due": "注销期限", "doc.open": "打开",
	"licence.state.valid": "有效", "licence.state.cleared": "已放行", "licence.state.expired": "已过期",
	"licence.state.revoked": "已撤销，不得放行", "licence.state.letter_revoked": "所依据的售后确认书已撤销，不得放行",

	"check.title": "实时规则检查", "check.noscript": "提交后显示规则结论。", "check.empty": "填写 VIN、注册登记日期和目的国后显示结论。",
	"check.error": "暂时无法检查，提交时会再次检查。", "check.letter_free_from": "自 %s 起无需确认书", "check.days": "登记后第 %s 天",

	"import.upload": "上传并导入", "import.file": "文件", "import.progress": "进度",
	"import.counts": "已处理 %s / %s 行：受理 %s，退回 %s", "import.download": "下载逐行结果（CSV）",
	"import.row": "行", "import.status": "结果", "import.reasons": "原因",
	"import.notes": "关于文件的说明：", "import.template": "下载导入模板（XLSX，中英文表头、数据验证与示例行）",
	"istate.queued": "排队中", "istate.running": "处理中", "istate.done": "已完成", "istate.failed": "失败",
	"irow.filed": "已受理", "irow.rejected": "已退回",

	"inbox.count": "待处理请求 %s 件（最早的在前）", "inbox.requested": "请求时间", "inbox.waited": "已等待", "inbox.empty": "没有待处理的请求。",
	"request.outlets": "在 %s 的售后服务网点", "request.no_outlets": "在该国没有登记的服务网点；可选择“拒绝”，原因“目的国无售后服务网络”。",
	"request.approve": "出具确认书", "request.refuse_title": "拒绝出具", "request.refuse": "拒绝",

	"review.count": "待审核 %s 件", "review.empty": "没有待审核的申请。", "review.open": "审核",

	"exporters.filing": "备案号", "exporters.expires": "备案有效期", "exporters.standing": "信用状态", "exporters.set": "调整信用状态",
	"exporters.new_standing": "新状态", "exporters.save": "保存", "exporters.expired": "已过期",

	"customs.lookup": "按 VIN 或许可证号查询", "customs.search": "查询", "customs.found": "查询结果（%d）",
	"customs.none": "没有找到许可证。", "customs.record": "登记放行", "customs.application": "查看申请",
	"customs.cleared": "已放行 %s 件", "customs.cleared_at": "放行时间", "customs.no_clearances": "尚无放行记录。",
	"customs.q_too_long": "查询内容过长：VIN 为 17 位，许可证号更短。",

	"verify.unknown": "本平台没有此摘要的文件：请核对打印文件上的摘要。", "verify.baddigest": "文件摘要应为 64 位十六进制数字（可带 sha256: 前缀）。",
	"verify.facts": "文件内容", "verify.f.kind": "文件类型", "verify.f.number": "许可证编号", "verify.f.exporter": "出口企业", "verify.f.authority": "发证机关",
	"verify.f.manufacturer": "生产企业", "verify.f.destination": "目的国", "verify.f.issued": "签发日期", "verify.f.until": "有效期至", "verify.f.revokes": "撤销的文件",
	"verify.f.vehicles": "车辆", "verify.f.letters": "所依据的确认书", "verify.digest": "文件摘要", "verify.root": "根密钥指纹", "verify.raw": "原始验证数据（JSON）",
	"verify.rootfp":      "本平台根密钥指纹：",
	"verify.intro":       "上传售后维修服务确认书或出口许可证的 PDF、验证包或 JSON，或粘贴其内容，无需登录即可核验其印章与登记。",
	"verify.unavailable": "文件验证功能尚未开通。", "verify.paste": "或粘贴文件内容", "verify.file": "选择文件（PDF 或验证包）",
	"verify.check": "验证", "verify.result": "验证结果", "verify.valid": "有效：印章与记录一致。", "verify.invalid": "无效：请勿依赖此文件。",
	"verify.kind.confirmation": "售后维修服务确认书", "verify.kind.licence": "二手车出口许可证", "verify.kind.revocation": "撤销声明",
	"verify.state.valid": "有效", "verify.state.cleared": "已放行（已使用）", "verify.state.expired": "已过期", "verify.state.revoked": "已撤销",
	"verify.state.letter_revoked": "所依据的确认书已撤销",
	"verify.f.state":              "目前状态", "verify.f.cleared": "海关已放行", "verify.f.count": "车辆数", "verify.yes": "是", "verify.no": "否",
	"verify.publiconly": "仅显示公开信息。持有车辆或文件者输入文件上的一个车辆识别代号（VIN），即可查看全部内容并下载文件。",
	"verify.vin":        "文件上的车辆识别代号（VIN）", "verify.vinnot": "此车辆识别代号不在该文件上。", "verify.showall": "显示全部内容",
	"verify.dl.pdf": "下载 PDF", "verify.dl.bundle": "下载核验包", "verify.dl.view": "打印视图",
	"verify.lookup": "按许可证编号查询", "verify.vinopt": "车辆识别代号（可选，用于查看全部内容）", "verify.find": "查询",
	"verify.unknownlicence": "本平台没有此编号的已盖章许可证：请核对许可证上的编号。", "verify.badlicence": "许可证编号印在许可证上，例如 UCX-2026-000042。",
	"verify.notdoc": "这不是 ucx 文件：请上传 PDF、验证包或盖章文件（JSON）。", "verify.nobundle": "该 PDF 不含 ucx 验证包：请上传平台出具的原始 PDF 或其验证包。",
	"verify.toolarge": "文件过大：ucx 文件远小于 4 MB，请确认文件是否正确。", "verify.empty": "请粘贴文件内容或选择文件。",

	"done.filed": "已保存草稿。", "done.submitted": "已提交。", "done.withdrawn": "已撤回。", "done.issued": "许可证已签发。",
	"done.licence_refused": "已作出不予许可决定。", "done.approved": "确认书已出具。", "done.refused": "已拒绝出具确认书。",
	"done.standing": "信用状态已更新。", "done.cleared": "放行已登记。", "done.signed_out": "已退出登录。",

	"dur.dh": "%d天%d小时", "dur.hm": "%d小时%d分钟", "dur.m": "%d分钟",
	"days.today": "今天", "days.in": "还有 %d 天", "days.ago": "已过 %d 天",

	"state.draft": "草稿", "state.submitted": "已提交", "state.awaiting_confirmation": "待确认书", "state.under_review": "审核中",
	"state.licensed": "已发证", "state.refused": "不予许可", "state.withdrawn": "已撤回", "state.cleared": "已放行",
	"cstate.pending": "待处理", "cstate.approved": "已出具", "cstate.refused": "已拒绝", "cstate.void": "已作废",
	"outcome.clear": "无需确认书", "outcome.letter-required": "需确认书", "outcome.blocked": "不予许可", "outcome.invalid": "数据有误",
	"energy.petrol": "汽油", "energy.diesel": "柴油", "energy.hybrid": "混合动力", "energy.plug_in_hybrid": "插电式混合动力",
	"energy.battery_electric": "纯电动",
	"standing.normal":         "正常", "standing.warned": "约谈", "standing.rectification_ordered": "责令整改", "standing.suspended": "暂停出口资格",
	"refusal.no_service_network": "目的国无售后服务网络", "refusal.not_our_vehicle": "非本企业车辆",
	"refusal.data_mismatch": "数据与登记证书不一致（R5）", "refusal.missing_confirmation": "缺少生产企业确认书（R1）",
	"refusal.exporter_standing": "企业备案或信用状态不符（R8、R10）", "refusal.banned_vehicle": "属禁止出口情形（R11）", "refusal.other": "其他（见说明）",
	"action.application.create": "创建申请", "action.application.submit": "提交申请", "action.application.withdraw": "撤回申请",
	"action.request.create": "向生产企业请求确认书", "action.request.approve": "生产企业出具确认书", "action.request.refuse": "生产企业拒绝出具",
	"action.licence.issue": "签发许可证", "action.licence.clear": "海关放行", "action.request.void": "确认书请求作废",
	"action.application.confirmed": "确认书齐备，转入审核", "action.application.refused": "不予许可", "action.application.licensed": "许可证已签发",
	"action.application.cleared": "海关已放行",
	"country.RU":                 "俄罗斯", "country.KZ": "哈萨克斯坦", "country.UZ": "乌兹别克斯坦", "country.KG": "吉尔吉斯斯坦",
	"country.TJ": "塔吉克斯坦", "country.AE": "阿联酋", "country.SA": "沙特阿拉伯", "country.GE": "格鲁吉亚",
	"country.AZ": "阿塞拜疆", "country.MN": "蒙古", "country.BY": "白俄罗斯", "country.AM": "亚美尼亚",
	// Oversight (ui_oversight.go).
	"title.oversight":                     "监管数据看板",
	"title.public_figures":                "市场公开数据",
	"title.credit_list":                   "出口企业信用记录",
	"title.credit":                        "信用记录",
	"title.naming":                        "多次申报不合规企业通报",
	"nav.oversight":                       "数据看板",
	"nav.credit":                          "信用记录",
	"nav.figures":                         "公开数据",
	"nav.naming":                          "通报名单",
	"done.credit":                         "信用记录已更新。",
	"fig.by_month":                        "按月份的申请与许可证",
	"fig.shares_by_month":                 "需确认书（准新车）与（近）零里程的占比",
	"fig.by_destination":                  "按目的国的申请",
	"fig.by_brand":                        "按品牌的申请",
	"fig.by_manufacturer":                 "按生产企业的申请",
	"fig.registration_to_application":     "注册登记至申请的天数（中位数与第90百分位）",
	"fig.letters_by_manufacturer":         "各生产企业的确认书请求与答复时间",
	"fig.by_exporter_size":                "按出口企业规模的确认书通过率与答复时间",
	"fig.all":                             "全期",
	"fig.unknown":                         "未识别",
	"fignote.by_month":                    "申请按提交月份计，许可证按签发月份计。",
	"fignote.shares_by_month":             "需确认书：注册登记后180天内申请（R1）；零里程：里程低于阈值。",
	"fignote.by_destination":              "按申请的目的国。",
	"fignote.by_brand":                    "按申报品牌。",
	"fignote.by_manufacturer":             "按车辆识别代号归属的生产企业。",
	"fignote.registration_to_application": "180天为确认书界线（R1）。",
	"fignote.letters_by_manufacturer":     "期间内提出的请求；答复时间以小时计。",
	"fignote.by_exporter_size":            "规模按截至期末一年的申请量划分：生产企业是否把小企业挡在门外？",
	"figcol.applications":                 "申请",
	"figcol.licences":                     "许可证",
	"figcol.licensed":                     "已发证",
	"figcol.letter_required":              "需确认书",
	"figcol.letter_share":                 "需确认书占比",
	"figcol.near_zero":                    "零里程",
	"figcol.mileage_known":                "有里程数据",
	"figcol.near_zero_share":              "零里程占比",
	"figcol.median_days":                  "中位天数",
	"figcol.p90_days":                     "第90百分位天数",
	"figcol.requested":                    "请求",
	"figcol.approved":                     "已出具",
	"figcol.refused":                      "已拒绝",
	"figcol.pending":                      "待答复",
	"figcol.approval_rate":                "通过率",
	"figcol.median_hours":                 "答复时间中位数（小时）",
	"figcol.p90_hours":                    "答复时间第90百分位（小时）",
	"figcol.exporters":                    "企业数",
	"size.small":                          "小型",
	"size.medium":                         "中型",
	"size.large":                          "大型",
	"figures.intro":                       "本看板供许可证主管部门使用：规则带来的变化，以及生产企业如何使用确认书这道关口。",
	"figures.public_intro":                "公开数据：不列出任何出口企业，少于 %d 的数值不予显示。",
	"figures.from":                        "起始日期",
	"figures.to":                          "截止日期",
	"figures.show":                        "显示",
	"figures.all_xlsx":                    "下载全部（XLSX）",
	"figures.all_csv":                     "下载全部（CSV）",
	"figures.see_public":                  "查看公开版本",
	"figures.config":                      "零里程阈值 %d 公里；小型企业：年申请少于 %d 件；大型：不少于 %d 件。",
	"figures.table":                       "数据表",
	"figures.key":                         "项目",
	"figures.none":                        "该期间没有数据。",
	"credit.list_intro":                   "各出口企业按现行阈值计算的信用分与状态。点击企业查看事件、记录新事件或作出决定。",
	"credit.score":                        "信用分",
	"credit.standing":                     "信用状态",
	"credit.computed":                     "按事件计算的状态",
	"credit.no_exporters":                 "暂无出口企业。",
	"credit.negative_list":                "负面清单",
	"credit.code":                         "事项",
	"credit.description":                  "说明",
	"credit.weight":                       "分值",
	"credit.source":                       "来源",
	"credit.provisional":                  "暂定",
	"credit.thresholds":                   "约谈 ≥ %d，责令整改 ≥ %d，暂停 ≥ %d（近 %d 天）",
	"credit.overridden":                   "主管部门已决定该状态（按事件计算为：%s）。",
	"credit.recovers_on":                  "如无新的事件，将于 %s 恢复。",
	"credit.events":                       "信用事件",
	"credit.occurred_on":                  "发生日期",
	"credit.evidence":                     "证据",
	"credit.appeal":                       "申诉与处理",
	"credit.act":                          "操作",
	"credit.automatic":                    "系统记录",
	"credit.annulled":                     "已撤销：",
	"credit.annul_reason":                 "撤销理由",
	"credit.appeal_note":                  "申诉说明",
	"credit.annul":                        "撤销",
	"credit.send_appeal":                  "提交申诉",
	"credit.no_events":                    "没有信用事件。",
	"credit.record":                       "记录信用事件",
	"credit.record_button":                "记录",
	"credit.decide":                       "信用状态决定",
	"credit.action":                       "决定",
	"credit.action.confirm":               "确认按事件计算的状态",
	"credit.action.override":              "改定为",
	"credit.action.clear":                 "取消改定",
	"credit.new_standing":                 "状态（改定时）",
	"credit.decide_button":                "保存决定",
	"credit.history":                      "状态变更记录",
	"credit.no_history":                   "尚无变更。",
	"field.occurred_on":                   "发生日期",
	"naming.intro":                        "期间内（%[2]s 至 %[3]s）申报数据与登记证书不一致达到 %[1]d 次的企业，以及所签发许可证事后被认定有误的签发机关（R6）。",
	"naming.enterprises":                  "企业",
	"naming.count":                        "次数",
	"naming.first":                        "首次",
	"naming.last":                         "最近",
	"naming.none":                         "该期间无。",
	"naming.agencies":                     "签发机关",
	"naming.agency":                       "机关",
	"naming.licences":                     "有误的许可证",
}

// uiEN is English, one click away.
var uiEN = map[string]string{
	"title.bulk": "Bulk action results", "bulk.counts": "%s submitted, %s answered, %s refused, %s not found", "bulk.more": "The import has more drafts; press “Submit all drafts” again.",
	"bulk.result": "Result", "bulk.submitted": "submitted", "bulk.answered": "answered", "bulk.refused": "refused", "bulk.not_found": "not found",
	"bulk.none": "No drafts to act on.", "bulk.back": "Back", "bulk.submit_all": "Submit all drafts", "bulk.submit_ticked": "Submit the ticked drafts",
	"bulk.approve_ticked": "Approve the ticked requests (each with the ticked outlets of its destination)", "bulk.refuse_ticked": "Refuse the ticked requests", "bulk.tick": "Select",
	"layout.skip": "Skip to content", "layout.tagline": "used-car export compliance", "layout.nav": "Main", "layout.signout": "Sign out",
	"layout.footer": "Under MOFCOM Notice 648 (2025), a car whose export-licence application comes 180 days or less after its registration needs its manufacturer's sealed After-Sales Service Confirmation.",

	"title.invite": "Set your password", "invite.intro": "You have been invited to ucx. Choose a password for your account (at least 10 characters); whoever invited you never learns it. The invitation link works once.",
	"invite.submit": "Set password and sign in", "invite.mismatch": "The two passwords differ.", "field.password_repeat": "Password again",
	"title.login": "Sign in", "title.home": "Home", "title.dashboard": "Dashboard", "title.applications": "Export-licence applications",
	"title.application": "Application", "title.new_application": "New application", "title.import_new": "Bulk upload", "title.import": "Import progress",
	"title.inbox": "Confirmation requests", "title.request": "Confirmation request", "title.review": "Review queue", "title.exporters": "Exporters and standing",
	"title.customs": "Customs lookup and clearance", "title.verify": "Verify a document",

	"nav.dashboard": "Dashboard", "nav.applications": "Applications", "nav.new": "New application", "nav.import": "Bulk upload",
	"nav.inbox": "Requests", "nav.review": "Review queue", "nav.exporters": "Exporters", "nav.customs": "Customs desk", "nav.verify": "Verify",

	"login.submit": "Sign in", "login.wrong": "Wrong username or password.", "login.username_required": "Enter your username.",
	"login.password_required": "Enter your password.", "login.ratelimited": "Too many sign-in attempts; try again in %d seconds.",
	"login.locked":      "This account is locked after too many failed sign-ins in a row (per-account throttling); try again in %d minute(s). Your organisation's admins see this in its audit trail.",
	"login.unavailable": "Web sign-in is not enabled on this server.", "login.verify_link": "Verify a confirmation or licence without signing in →",

	"error.invalid": "Invalid input", "error.unauthorized": "Please sign in", "error.forbidden": "Not allowed",
	"error.not_found": "Not found", "error.conflict": "Changed by someone else", "error.rule_violation": "Not allowed by the rules",
	"error.too_large": "Too large", "error.rate_limited": "Too many requests", "error.unavailable": "Temporarily unavailable",
	"error.internal": "Internal error; it has been logged.", "error.home": "Back to the start page", "error.form": "The form could not be read; send it again.",

	"home.operator": "The platform operator's account manages organisations and users and takes no part in the export workflow.",

	"dashboard.by_state": "Applications by state", "dashboard.total": "%s applications in all",
	"dashboard.week": "No longer needing a letter this week (by %s)", "dashboard.month": "No longer needing a letter this month (by %s)",
	"dashboard.none": "None.",

	"col.state": "State", "col.outcome": "Policy outcome", "col.updated": "Updated", "col.exporter": "Exporter",
	"col.letter_free_from": "Letter-free from",
	"filter.any":           "Any", "filter.apply": "Filter", "filter.choose": "Choose…",
	"list.count": "%s in all", "list.prev": "← Previous", "list.next": "Next →", "list.pages": "Pages",

	"field.username": "Username", "field.password": "Password", "field.q": "Search (VIN, brand, model, buyer, contract)",
	"field.vin": "VIN", "field.brand": "Brand", "field.model": "Model", "field.energy_type": "Energy type",
	"field.battery_kwh": "Battery (kWh)", "field.mileage_km": "Mileage (km)", "field.registration_date": "Registration date",
	"field.transfer_date": "Transfer-pending-export date", "field.modified": "Modified vehicle", "field.cert_same": "The registration certificate says the same",
	"field.cert_brand": "Certificate brand", "field.cert_model": "Certificate model", "field.cert_registration_date": "Certificate registration date",
	"field.cert_transfer_date": "Certificate transfer date", "field.destination": "Destination", "field.buyer": "Foreign buyer",
	"field.contract_number": "Contract number", "field.inspection_report": "Inspection report (CMA/CNAS)", "field.file": "CSV or XLSX file",
	"field.code": "Reason code", "field.text": "Explanation", "field.reason": "Reason", "field.port": "Port of exit",
	"field.declaration_number": "Declaration number", "field.outlet": "Service outlet", "field.document": "Document", "field.version": "Version",
	"hint.vin": "17 characters, with the check digit", "hint.registration_date": "e.g. 2026-01-31, as on the registration certificate",
	"hint.destination": "ISO country code such as RU, KZ or AE", "hint.file": "First row is the header and must have a vin column; up to 64 MiB.",
	"hint.battery_kwh": "Required for new-energy vehicles",

	"form.bad_date":   "Cannot read the date “%s”; write it as 2026-01-31 (2026/01/31 and 2026年1月31日 work too).",
	"form.bad_number": "“%s” is not a number; write only the value, e.g. 60.5.", "form.bad_integer": "“%s” is not a whole number; write only the kilometres, e.g. 12000.",

	"app.vehicle": "Vehicle", "app.certificate": "Registration certificate", "app.trade": "Trade",
	"app.file_submit": "File and submit", "app.file_draft": "Save as draft", "app.version": "version %d",
	"app.application_date": "Application date", "app.decision": "Policy outcome", "app.letter_free_from": "From %s an application needs no letter (R1).",
	"app.policy": "Policy", "app.next": "Next step", "app.submit": "Submit", "app.withdraw": "Withdraw",
	"app.issue": "Issue the licence", "app.refuse_licence": "Refuse the licence", "app.refuse": "Refuse", "app.documents": "Documents",
	"app.no_documents": "No confirmation or licence yet.", "app.timeline": "Timeline",

	"next.draft": "Draft: check it, then press Submit.", "next.submitted": "Submitted; waiting to be processed.",
	"next.awaiting": "Waiting for the manufacturer's After-Sales Service Confirmation (R1).", "next.under_review": "Under review by the licensing authority.",
	"next.licensed": "Licensed: customs verifies and clears it at export.", "next.cleared": "Cleared; deregister the car by %s (R16).",
	"next.refused": "Refused; the timeline gives the reason.", "next.withdrawn": "Withdrawn.",

	"doc.confirmation": "After-sales confirmation request", "doc.licence": "Export licence", "doc.issued": "issued", "doc.valid_until": "valid until",
	"doc.view": "view", "doc.pdf": "PDF", "doc.bundle": "verification bundle", "doc.verify": "verify", "doc.links": "document links",
	"doc.sealed_letter": "Sealed letter", "doc.letter": "After-sales service confirmation",
	"doc.cleared": "cleared (%s, declaration %s)", "doc.dereg_due": "deregistration due", "doc.open": "open",
	"licence.state.valid": "valid", "licence.state.cleared": "cleared", "licence.state.expired": "expired",
	"licence.state.revoked": "revoked: may not be cleared", "licence.state.letter_revoked": "a confirmation it relies on was revoked: may not be cleared",

	"check.title": "Live policy check", "check.noscript": "The outcome is shown once filed.", "check.empty": "Enter the VIN, registration date and destination to see the outcome.",
	"check.error": "Cannot check just now; it is checked again when you file.", "check.letter_free_from": "letter-free from %s", "check.days": "day %s since registration",

	"import.upload": "Upload and import", "import.file": "File", "import.progress": "Progress",
	"import.counts": "%s of %s rows processed: %s filed, %s rejected", "import.download": "Download per-row results (CSV)",
	"import.row": "Row", "import.status": "Result", "import.reasons": "Reasons",
	"import.notes": "About the file:", "import.template": "Download the import template (XLSX, Chinese and English headings, data validation and an example row)",
	"istate.queued": "queued", "istate.running": "running", "istate.done": "done", "istate.failed": "failed",
	"irow.filed": "filed", "irow.rejected": "rejected",

	"inbox.count": "%s pending requests (oldest first)", "inbox.requested": "Requested", "inbox.waited": "Waited", "inbox.empty": "No pending requests.",
	"request.outlets": "Service outlets in %s", "request.no_outlets": "No outlet is registered in this country; refuse with “no after-sales service network”.",
	"request.approve": "Approve the confirmation", "request.refuse_title": "Refuse", "request.refuse": "Refuse",

	"review.count": "%s under review", "review.empty": "Nothing to review.", "review.open": "Review",

	"exporters.filing": "Filing number", "exporters.expires": "Filing expires", "exporters.standing": "Standing", "exporters.set": "Change standing",
	"exporters.new_standing": "New standing", "exporters.save": "Save", "exporters.expired": "expired",

	"customs.lookup": "Look up by VIN or licence number", "customs.search": "Look up", "customs.found": "Results (%d)",
	"customs.none": "No licence found.", "customs.record": "Record clearance", "customs.application": "application",
	"customs.cleared": "%s clearances", "customs.cleared_at": "Cleared at", "customs.no_clearances": "No clearances yet.",
	"customs.q_too_long": "Too long: a VIN has 17 characters and a licence number fewer.",

	"verify.unknown": "No document with this digest is held here: check the digest printed on the document.", "verify.baddigest": "A document digest is 64 hex digits, optionally after sha256:.",
	"verify.facts": "What the document says", "verify.f.kind": "Document", "verify.f.number": "Licence number", "verify.f.exporter": "Exporter", "verify.f.authority": "Issuing authority",
	"verify.f.manufacturer": "Manufacturer", "verify.f.destination": "Destination", "verify.f.issued": "Issued on", "verify.f.until": "Valid until", "verify.f.revokes": "Revokes",
	"verify.f.vehicles": "Vehicles", "verify.f.letters": "Confirmations relied on", "verify.digest": "Digest", "verify.root": "Root fingerprint", "verify.raw": "Raw verification data (JSON)",
	"verify.rootfp":      "This platform's root fingerprint:",
	"verify.intro":       "Upload an After-Sales Service Confirmation or an export licence (its PDF, verification bundle or JSON), or paste it, to check its seals and registration. No sign-in needed.",
	"verify.unavailable": "Document verification is not available yet.", "verify.paste": "or paste the document", "verify.file": "Choose the file (PDF or verification bundle)",
	"verify.check": "Verify", "verify.result": "Result", "verify.valid": "Valid: the seals and the record agree.", "verify.invalid": "NOT valid: do not rely on this document.",
	"verify.kind.confirmation": "After-Sales Service Confirmation", "verify.kind.licence": "Used-car export licence", "verify.kind.revocation": "Revocation",
	"verify.state.valid": "valid", "verify.state.cleared": "cleared by customs (used)", "verify.state.expired": "expired", "verify.state.revoked": "revoked",
	"verify.state.letter_revoked": "a confirmation it relies on was revoked",
	"verify.f.state":              "State today", "verify.f.cleared": "Cleared by customs", "verify.f.count": "Vehicles", "verify.yes": "yes", "verify.no": "no",
	"verify.publiconly": "Only the public facts are shown. If you hold the car or the paper, enter a VIN on the document to see every fact and download it.",
	"verify.vin":        "A VIN on the document", "verify.vinnot": "This VIN is not on the document.", "verify.showall": "Show every fact",
	"verify.dl.pdf": "Download the PDF", "verify.dl.bundle": "Download the verification bundle", "verify.dl.view": "Printable view",
	"verify.lookup": "Look a licence up by its number", "verify.vinopt": "VIN (optional: to see every fact)", "verify.find": "Look up",
	"verify.unknownlicence": "No sealed licence with this number is held here: check the number printed on the licence.", "verify.badlicence": "A licence number is printed on the licence, e.g. UCX-2026-000042.",
	"verify.notdoc": "This is not a ucx document: upload the PDF, its verification bundle or the sealed document (JSON).", "verify.nobundle": "This PDF carries no ucx verification bundle: upload the original PDF the platform issued, or its bundle.",
	"verify.toolarge": "The file is too large: a ucx document is far smaller than 4 MB, so check it is the right file.", "verify.empty": "Paste the document or choose its file.",

	"done.filed": "Draft saved.", "done.submitted": "Submitted.", "done.withdrawn": "Withdrawn.", "done.issued": "Licence issued.",
	"done.licence_refused": "Licence refused.", "done.approved": "Confirmation approved.", "done.refused": "Confirmation refused.",
	"done.standing": "Standing updated.", "done.cleared": "Clearance recorded.", "done.signed_out": "Signed out.",

	"dur.dh": "%d d %d h", "dur.hm": "%d h %d min", "dur.m": "%d min",
	"days.today": "today", "days.in": "in %d days", "days.ago": "%d days ago",

	"state.draft": "draft", "state.submitted": "submitted", "state.awaiting_confirmation": "awaiting confirmation", "state.under_review": "under review",
	"state.licensed": "licensed", "state.refused": "refused", "state.withdrawn": "withdrawn", "state.cleared": "cleared",
	"cstate.pending": "pending", "cstate.approved": "approved", "cstate.refused": "refused", "cstate.void": "void",
	"outcome.clear": "clear", "outcome.letter-required": "letter required", "outcome.blocked": "blocked", "outcome.invalid": "invalid data",
	"energy.petrol": "petrol", "energy.diesel": "diesel", "energy.hybrid": "hybrid", "energy.plug_in_hybrid": "plug-in hybrid",
	"energy.battery_electric": "battery electric",
	"standing.normal":         "normal", "standing.warned": "warned", "standing.rectification_ordered": "rectification ordered", "standing.suspended": "suspended",
	"refusal.no_service_network": "no after-sales service network in the destination", "refusal.not_our_vehicle": "not this manufacturer's vehicle",
	"refusal.data_mismatch": "data differ from the registration certificate (R5)", "refusal.missing_confirmation": "manufacturer's confirmation missing (R1)",
	"refusal.exporter_standing": "exporter's filing or standing (R8, R10)", "refusal.banned_vehicle": "banned case (R11)", "refusal.other": "other (see text)",
	"action.application.create": "application created", "action.application.submit": "application submitted", "action.application.withdraw": "application withdrawn",
	"action.request.create": "confirmation requested from the manufacturer", "action.request.approve": "manufacturer approved the confirmation", "action.request.refuse": "manufacturer refused the confirmation",
	"action.licence.issue": "licence issued", "action.licence.clear": "cleared by customs", "action.request.void": "confirmation request voided",
	"action.application.confirmed": "confirmations complete; under review", "action.application.refused": "licence refused", "action.application.licensed": "licensed",
	"action.application.cleared": "cleared by customs",
	"country.RU":                 "Russia", "country.KZ": "Kazakhstan", "country.UZ": "Uzbekistan", "country.KG": "Kyrgyzstan",
	"country.TJ": "Tajikistan", "country.AE": "UAE", "country.SA": "Saudi Arabia", "country.GE": "Georgia",
	"country.AZ": "Azerbaijan", "country.MN": "Mongolia", "country.BY": "Belarus", "country.AM": "Armenia",
	// Oversight (ui_oversight.go).
	"title.oversight":                     "Oversight dashboard",
	"title.public_figures":                "Market figures",
	"title.credit_list":                   "Exporters' credit records",
	"title.credit":                        "Credit record",
	"title.naming":                        "Repeated wrong filers (R6)",
	"nav.oversight":                       "Dashboard",
	"nav.credit":                          "Credit",
	"nav.figures":                         "Figures",
	"nav.naming":                          "Naming",
	"done.credit":                         "The credit record is updated.",
	"fig.by_month":                        "Applications and licences by month",
	"fig.shares_by_month":                 "Share needing a letter (near-new) and share with (near-)zero mileage",
	"fig.by_destination":                  "Applications by destination",
	"fig.by_brand":                        "Applications by brand",
	"fig.by_manufacturer":                 "Applications by manufacturer",
	"fig.registration_to_application":     "Days from registration to application (median and 90th percentile)",
	"fig.letters_by_manufacturer":         "Letter requests by manufacturer and time to answer",
	"fig.by_exporter_size":                "Letter approval rate and time to answer by exporter size",
	"fig.all":                             "whole period",
	"fig.unknown":                         "not routed",
	"fignote.by_month":                    "Applications by the month filed, licences by the month issued.",
	"fignote.shares_by_month":             "A letter is needed within 180 days of registration (R1); near-zero is an odometer under the threshold.",
	"fignote.by_destination":              "By the application's destination.",
	"fignote.by_brand":                    "By the declared brand.",
	"fignote.by_manufacturer":             "By the manufacturer the VIN routes to.",
	"fignote.registration_to_application": "180 days is the letter line (R1).",
	"fignote.letters_by_manufacturer":     "Requests made in the period; time to answer in hours.",
	"fignote.by_exporter_size":            "Size by applications in the year to the period's end: do manufacturers shut out small exporters?",
	"figcol.applications":                 "applications",
	"figcol.licences":                     "licences",
	"figcol.licensed":                     "licensed",
	"figcol.letter_required":              "needing a letter",
	"figcol.letter_share":                 "share needing a letter",
	"figcol.near_zero":                    "near-zero mileage",
	"figcol.mileage_known":                "with mileage",
	"figcol.near_zero_share":              "near-zero share",
	"figcol.median_days":                  "median days",
	"figcol.p90_days":                     "90th percentile days",
	"figcol.requested":                    "requested",
	"figcol.approved":                     "approved",
	"figcol.refused":                      "refused",
	"figcol.pending":                      "waiting",
	"figcol.approval_rate":                "approval rate",
	"figcol.median_hours":                 "median hours to answer",
	"figcol.p90_hours":                    "90th percentile hours",
	"figcol.exporters":                    "exporters",
	"size.small":                          "small",
	"size.medium":                         "medium",
	"size.large":                          "large",
	"figures.intro":                       "For licensing authorities: what the rule changes, and how manufacturers use their gate.",
	"figures.public_intro":                "Public figures: no exporter is named, and values under %d are not shown.",
	"figures.from":                        "From",
	"figures.to":                          "To",
	"figures.show":                        "Show",
	"figures.all_xlsx":                    "Download all (XLSX)",
	"figures.all_csv":                     "Download all (CSV)",
	"figures.see_public":                  "See the public version",
	"figures.config":                      "Near-zero under %d km; small exporters file fewer than %d a year, large at least %d.",
	"figures.table":                       "Table",
	"figures.key":                         "Item",
	"figures.none":                        "No data in this period.",
	"credit.list_intro":                   "Each exporter's score and standing under the thresholds in force. Open one to see its events, record an event or decide its standing.",
	"credit.score":                        "Score",
	"credit.standing":                     "Standing",
	"credit.computed":                     "Standing the events give",
	"credit.no_exporters":                 "No exporters yet.",
	"credit.negative_list":                "Negative list",
	"credit.code":                         "Conduct",
	"credit.description":                  "Description",
	"credit.weight":                       "Weight",
	"credit.source":                       "Source",
	"credit.provisional":                  "provisional",
	"credit.thresholds":                   "warned ≥ %d, rectification ≥ %d, suspended ≥ %d (last %d days)",
	"credit.overridden":                   "An authority decided this standing (the events give: %s).",
	"credit.recovers_on":                  "Recovers on %s if nothing new is recorded.",
	"credit.events":                       "Credit events",
	"credit.occurred_on":                  "Occurred on",
	"credit.evidence":                     "Evidence",
	"credit.appeal":                       "Appeal and outcome",
	"credit.act":                          "Act",
	"credit.automatic":                    "recorded by ucx",
	"credit.annulled":                     "Annulled:",
	"credit.annul_reason":                 "Reason to annul",
	"credit.appeal_note":                  "Appeal note",
	"credit.annul":                        "Annul",
	"credit.send_appeal":                  "Send appeal",
	"credit.no_events":                    "No credit events.",
	"credit.record":                       "Record a credit event",
	"credit.record_button":                "Record",
	"credit.decide":                       "Decide the standing",
	"credit.action":                       "Decision",
	"credit.action.confirm":               "confirm the computed standing",
	"credit.action.override":              "override with",
	"credit.action.clear":                 "clear the override",
	"credit.new_standing":                 "Standing (to override)",
	"credit.decide_button":                "Save decision",
	"credit.history":                      "Standing history",
	"credit.no_history":                   "No changes yet.",
	"field.occurred_on":                   "Occurred on",
	"naming.intro":                        "Enterprises whose filings did not match the registration certificate %[1]d or more times from %[2]s to %[3]s, and the issuing agencies whose licences were later found wrong (R6).",
	"naming.enterprises":                  "Enterprises",
	"naming.count":                        "Wrong filings",
	"naming.first":                        "First",
	"naming.last":                         "Last",
	"naming.none":                         "None in this period.",
	"naming.agencies":                     "Issuing agencies",
	"naming.agency":                       "Agency",
	"naming.licences":                     "Licences found wrong",
}

// uiRU is Russian, for the public verification page and its layout; other
// keys fall back to English.
var uiRU = map[string]string{
	"layout.skip": "К содержанию", "layout.tagline": "контроль экспорта подержанных автомобилей", "layout.nav": "Меню", "layout.signout": "Выйти",
	"layout.footer": "Согласно Уведомлению МОФКОМ № 648 (2025) автомобиль, заявка на экспортную лицензию которого подана не позднее 180 дней после регистрации, требует заверенного печатью производителя подтверждения послепродажного обслуживания.",
	"title.verify":  "Проверка документа", "nav.verify": "Проверка",
	"verify.unknown": "Документа с таким дайджестом здесь нет: сверьте дайджест, напечатанный на документе.", "verify.baddigest": "Дайджест документа — 64 шестнадцатеричные цифры, можно с префиксом sha256:.",
	"verify.facts": "Содержание документа", "verify.f.kind": "Документ", "verify.f.number": "Номер лицензии", "verify.f.exporter": "Экспортёр", "verify.f.authority": "Выдавший орган",
	"verify.f.manufacturer": "Производитель", "verify.f.destination": "Страна назначения", "verify.f.issued": "Дата выдачи", "verify.f.until": "Действует до", "verify.f.revokes": "Отзывает",
	"verify.f.vehicles": "Автомобили", "verify.f.letters": "Подтверждения, на которых основана", "verify.digest": "Дайджест", "verify.root": "Отпечаток корневого ключа", "verify.raw": "Исходные данные проверки (JSON)",
	"verify.rootfp":      "Отпечаток корневого ключа платформы:",
	"verify.intro":       "Загрузите подтверждение послепродажного обслуживания или экспортную лицензию (PDF, пакет проверки или JSON) или вставьте их текст, чтобы проверить печати и регистрацию. Вход не требуется.",
	"verify.unavailable": "Проверка документов пока недоступна.", "verify.paste": "или вставьте документ", "verify.file": "Выберите файл (PDF или пакет проверки)",
	"verify.check": "Проверить", "verify.result": "Результат", "verify.valid": "Действителен: печати и запись совпадают.", "verify.invalid": "НЕ действителен: не полагайтесь на этот документ.",
	"verify.kind.confirmation": "Подтверждение послепродажного обслуживания", "verify.kind.licence": "Лицензия на экспорт подержанного автомобиля", "verify.kind.revocation": "Отзыв документа",
	"verify.state.valid": "действует", "verify.state.cleared": "выпущен таможней (использована)", "verify.state.expired": "срок истёк", "verify.state.revoked": "отозван",
	"verify.state.letter_revoked": "подтверждение, на котором она основана, отозвано",
	"verify.f.state":              "Состояние на сегодня", "verify.f.cleared": "Выпущен таможней", "verify.f.count": "Автомобилей", "verify.yes": "да", "verify.no": "нет",
	"verify.publiconly": "Показаны только открытые сведения. Если у вас есть автомобиль или документ, введите VIN из документа, чтобы увидеть все сведения и скачать его.",
	"verify.vin":        "VIN из документа", "verify.vinnot": "Этого VIN нет в документе.", "verify.showall": "Показать все сведения",
	"verify.dl.pdf": "Скачать PDF", "verify.dl.bundle": "Скачать пакет проверки", "verify.dl.view": "Версия для печати",
	"verify.lookup": "Найти лицензию по номеру", "verify.vinopt": "VIN (необязательно: чтобы увидеть все сведения)", "verify.find": "Найти",
	"verify.unknownlicence": "Заверенной лицензии с таким номером здесь нет: сверьте номер, напечатанный на лицензии.", "verify.badlicence": "Номер лицензии напечатан на ней, например UCX-2026-000042.",
	"verify.notdoc": "Это не документ ucx: загрузите PDF, пакет проверки или заверенный документ (JSON).", "verify.nobundle": "В этом PDF нет пакета проверки ucx: загрузите исходный PDF, выданный платформой, или его пакет.",
	"verify.toolarge": "Файл слишком большой: документ ucx намного меньше 4 МБ, проверьте, тот ли это файл.", "verify.empty": "Вставьте документ или выберите файл.",
	"country.RU": "Россия", "country.KZ": "Казахстан", "country.UZ": "Узбекистан", "country.KG": "Киргизия",
	"country.TJ": "Таджикистан", "country.AE": "ОАЭ", "country.SA": "Саудовская Аравия", "country.GE": "Грузия",
	"country.AZ": "Азербайджан", "country.MN": "Монголия", "country.BY": "Беларусь", "country.AM": "Армения",
	"error.invalid": "Ошибка ввода", "error.forbidden": "Запрещено", "error.not_found": "Не найдено", "error.too_large": "Слишком большой файл",
	"error.rate_limited": "Слишком много запросов", "error.unavailable": "Временно недоступно", "error.internal": "Внутренняя ошибка; она записана.",
	"error.home": "На главную", "error.form": "Форму не удалось прочитать; отправьте её ещё раз.",
	"field.document": "Документ",
}
