package reports

import (
	"cartera/internal/kpi"
)

// text is one label in the three languages: English, French, Spanish.
type text [3]string

func (t text) in(l Lang) string {
	switch l {
	case French:
		return t[1]
	case Spanish:
		return t[2]
	}
	return t[0]
}

// The labels of both documents. A %s or %d in a label is filled in by the caller.
var (
	lblPage            = text{"Page %d of %s", "Page %d sur %s", "Página %d de %s"}
	lblAsOf            = text{"As of %s", "Au %s", "Al %s"}
	lblAmountsIn       = text{"amounts in %s '000", "montants en milliers de %s", "montos en miles de %s"}
	lblProfile         = text{"Partner profile", "Profil du partenaire", "Perfil del socio"}
	lblHeadline        = text{"Headline figures", "Chiffres clés", "Cifras principales"}
	lblNoFigures       = text{"No financial figures have been reported for this partner as of %s.", "Aucun chiffre financier n’a été communiqué pour ce partenaire au %s.", "No se han reportado cifras financieras de este socio al %s."}
	lblNA              = text{"n/a", "n.d.", "n.d."}
	lblUnits           = text{"in units", "en unités", "en unidades"}
	lblChartGLP        = text{"Gross loan portfolio and PAR30", "Portefeuille brut et PAR30", "Cartera bruta y cartera en riesgo"}
	lblChartROE        = text{"Return on equity", "Rentabilité des fonds propres", "Retorno sobre patrimonio"}
	lblPeers           = text{"Position among peers", "Position parmi les pairs", "Posición frente a instituciones similares"}
	lblPeerGroup       = text{"%d partners in %s with figures for %s. Left is worse, right is better; the boxes are the middle half, the line the median.", "%d partenaires en %s avec des chiffres pour %s. À gauche le moins bon, à droite le meilleur ; la boîte couvre la moitié centrale, le trait la médiane.", "%d socios en %s con cifras a %s. A la izquierda lo peor, a la derecha lo mejor; la caja cubre la mitad central, la línea la mediana."}
	lblPeerRank        = text{"rank %d of %d", "rang %d sur %d", "puesto %d de %d"}
	lblNoPeers         = text{"Too few peers with figures for this period to compare (at least three are needed).", "Trop peu de pairs avec des chiffres pour cette période pour comparer (il en faut au moins trois).", "Muy pocas instituciones similares con cifras para este periodo (se necesitan al menos tres)."}
	lblWorst           = text{"worst", "pire", "peor"}
	lblBest            = text{"best", "meilleur", "mejor"}
	lblLoans           = text{"The fund's loans to %s", "Les prêts du fonds à %s", "Préstamos del fondo a %s"}
	lblNoLoans         = text{"The fund has no loans to this partner.", "Le fonds n’a accordé aucun prêt à ce partenaire.", "El fondo no tiene préstamos con este socio."}
	lblLoanRef         = text{"Loan", "Prêt", "Préstamo"}
	lblCommitted       = text{"Committed", "Engagé", "Comprometido"}
	lblDisbursed       = text{"Disbursed", "Décaissé", "Desembolsado"}
	lblOutstanding     = text{"Outstanding", "Encours", "Saldo"}
	lblNextDue         = text{"Next due", "Prochaine échéance", "Próximo vencimiento"}
	lblDaysPastDue     = text{"Days past due", "Jours de retard", "Días de atraso"}
	lblStatements      = text{"Balance sheet and income statement", "Bilan et compte de résultat", "Balance general y estado de resultados"}
	lblPeriodLength    = text{"Period", "Période", "Periodo"}
	lblMonths          = text{"%d months", "%d mois", "%d meses"}
	lblDescription     = text{"Description", "Description", "Descripción"}
	lblStrengths       = text{"Strengths", "Points forts", "Fortalezas"}
	lblRisks           = text{"Risks", "Risques", "Riesgos"}
	lblNotGiven        = text{"Not recorded.", "Non renseigné.", "Sin información."}
	lblDataOn          = text{"Data on %s", "Données sur %s", "Datos de %s"}
	lblFounded         = text{"Founded", "Date de création", "Fundación"}
	lblLegalStatus     = text{"Legal status", "Statut légal", "Estatus legal"}
	lblPartnerSince    = text{"Partner since", "Partenaire depuis", "Socio desde"}
	lblRegion          = text{"Region", "Région", "Región"}
	lblLatestCredit    = text{"Latest credit from %s", "Dernier crédit de %s", "Último crédito de %s"}
	lblThenNow         = text{"%s then and now", "Situation %s", "%s antes y ahora"}
	lblInYear          = text{"in %d", "en %d", "en %d"}
	lblPortfolio       = text{"Portfolio", "Portefeuille", "Cartera"}
	lblClients         = text{"Clients", "Nombre de clients", "Número de clientes"}
	lblAverageLoan     = text{"Average loan", "Prêt moyen", "Préstamo promedio"}
	lblFundCredit      = text{"Credit from %s", "Crédit de %s", "Crédito de %s"}
	lblPortfolioByYear = text{"Portfolio by year", "Portefeuille par année", "Cartera por año"}
	lblNoFactFigures   = text{"No financial figures reported yet.", "Aucun chiffre financier communiqué à ce jour.", "Aún no hay cifras financieras reportadas."}
	lblSource          = text{"Source: the partner's financial reports; loans as recorded by %s.", "Source : rapports financiers du partenaire ; prêts selon %s.", "Fuente: estados financieros del socio; préstamos según %s."}
	lblNone            = text{"none", "aucun", "ninguno"}
)

var legalStatusLabels = map[string]text{
	"ngo":         {"NGO", "ONG", "ONG"},
	"cooperative": {"Cooperative", "Coopérative", "Cooperativa"},
	"nbfi":        {"Non-bank financial institution", "Institution financière non bancaire", "Institución financiera no bancaria"},
	"bank":        {"Bank", "Banque", "Banco"},
	"other":       {"Other", "Autre", "Otro"},
}

var methodologyLabels = map[string]text{
	"individual":       {"individual lending", "prêts individuels", "crédito individual"},
	"solidarity_group": {"solidarity groups", "groupes solidaires", "grupos solidarios"},
	"village_banking":  {"village banking", "banques villageoises", "bancos comunales"},
	"mixed":            {"mixed methodology", "méthodologie mixte", "metodología mixta"},
}

var loanStatusLabels = map[string]text{
	"pipeline":    {"signed", "signé", "firmado"},
	"active":      {"active", "en cours", "vigente"},
	"repaid":      {"repaid", "remboursé", "pagado"},
	"written_off": {"written off", "passé en perte", "castigado"},
}

// label looks a code up in a table, falling back to the code itself.
func label(table map[string]text, code string, l Lang) string {
	if t, ok := table[code]; ok {
		return t.in(l)
	}
	return code
}

// The raw figures shown in the documents.
var figureLabels = map[string]text{
	"gross_loan_portfolio": {"Gross loan portfolio", "Portefeuille brut", "Cartera bruta"},
	"active_clients":       {"Active clients", "Clients actifs", "Número de clientes"},
	"loans_outstanding":    {"Loans outstanding", "Prêts en cours", "Préstamos vigentes"},
	"total_assets":         {"Total assets", "Total de l’actif", "Activo total"},
	"total_liabilities":    {"Total liabilities", "Total des dettes", "Pasivo total"},
	"equity":               {"Equity", "Fonds propres", "Patrimonio"},
	"net_income":           {"Net income", "Résultat net", "Ingreso neto"},
	"total_staff":          {"Staff", "Personnel", "Personal total"},
	"loan_loss_reserve":    {"Loan loss reserve", "Provisions pour pertes", "Provisión para incobrables"},
	"deposits":             {"Deposits", "Dépôts", "Depósitos"},
	"financial_revenue":    {"Financial revenue", "Produits financiers", "Ingresos financieros"},
	"portfolio_revenue":    {"of which from the portfolio", "dont produits du portefeuille", "de ellos, de la cartera"},
	"financial_expense":    {"Financial expense", "Charges financières", "Gastos financieros"},
	"provision_expense":    {"Provision expense", "Dotations aux provisions", "Gasto en provisiones"},
	"operating_expense":    {"Operating expense", "Charges d’exploitation", "Gastos operativos"},
	"personnel_expense":    {"of which personnel", "dont personnel", "de ellos, personal"},
	"donations":            {"Donations", "Dons", "Donaciones"},
}

var ratioLabels = map[kpi.Name]text{
	kpi.GLPGrowth:             {"Annual change in portfolio", "Variation annuelle du portefeuille", "Cambio anual de cartera bruta"},
	kpi.ClientGrowth:          {"Annual change in clients", "Variation annuelle des clients", "Cambio anual en número de clientes"},
	kpi.AverageLoanBalance:    {"Average balance per loan", "Encours moyen par prêt", "Saldo promedio por préstamo"},
	kpi.PAR30Ratio:            {"Portfolio at risk > 30 days", "Portefeuille à risque > 30 jours", "Cartera en riesgo > 30 días"},
	kpi.WriteOffRatio:         {"Write-off ratio", "Taux de passage en perte", "Tasa de castigos"},
	kpi.RiskCoverage:          {"Risk coverage", "Couverture du risque", "Cobertura de riesgo"},
	kpi.ProvisionExpenseRatio: {"Provision expense ratio", "Ratio de dotations aux provisions", "Gasto en provisiones / cartera"},
	kpi.OperatingExpenseRatio: {"Operating expense ratio", "Ratio de charges d’exploitation", "Gastos operativos / cartera bruta promedio"},
	kpi.PersonnelExpenseRatio: {"Personnel expense ratio", "Ratio de charges de personnel", "Gastos de personal / cartera"},
	kpi.PortfolioYield:        {"Portfolio yield", "Rendement du portefeuille", "Rendimiento de la cartera"},
	kpi.CostPerClient:         {"Cost per client", "Coût par client", "Costo por cliente"},
	kpi.ClientsPerLoanOfficer: {"Clients per loan officer", "Clients par agent de crédit", "Clientes por analista"},
	kpi.ClientsPerStaff:       {"Clients per staff member", "Clients par employé", "Prestatarios por empleado"},
	kpi.LoanOfficersShare:     {"Loan officers / staff", "Agents de crédit / personnel", "Analistas / personal"},
	kpi.ROE:                   {"Return on equity", "Rentabilité des fonds propres", "Retorno sobre patrimonio"},
	kpi.ROA:                   {"Return on assets", "Rentabilité des actifs", "Retorno sobre activos"},
	kpi.DebtToEquity:          {"Debt / equity", "Dettes / fonds propres", "Deuda / patrimonio"},
	kpi.EquityToAssets:        {"Equity / assets", "Fonds propres / actif", "Patrimonio / activos"},
	kpi.OperationalSelfSuffic: {"Operational self-sufficiency", "Autosuffisance opérationnelle", "Autosuficiencia operativa"},
	kpi.WomenShare:            {"Women clients", "Clientes femmes", "Clientas mujeres"},
}
