#!/bin/sh
# tests/itop/fill.sh STATE: fills the live iTop through REST with what real iTops
# have: a hierarchy of organisations, an obsolete (inactive) organisation and
# person, agents with accounts, case logs by several authors over several updates,
# an incident whose resolution auto-resolves its child requests, attachments (one a
# draft), inline images in HTML, non-ASCII text, changes of three leaf classes, CIs,
# FAQs, an SLA. It writes STATE/ids (NAME=ID lines) for the tests.
set -eu
STATE=$1; HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"; . "$STATE/env"
# The filling is done as the administrator: it may write case-log entries on behalf
# of the agents (user_id), as their own updates would.
cp "$STATE/curl.cfg" "$STATE/migr.cfg"; cp "$STATE/admin.cfg" "$STATE/curl.cfg"
restore() { cp "$STATE/migr.cfg" "$STATE/curl.cfg"; }
trap restore EXIT
: > "$STATE/ids"
mk() { _n=$1; shift; _id=$(itop_create "$STATE" "$@"); echo "$_n=$_id" >> "$STATE/ids"; eval "$_n=$_id"; }
# ------------------------------------------------------------- organisations
mk ORG_ACME Organization '{"name":"Acme","code":"ACME"}'
mk ORG_PARIS Organization "{\"name\":\"Acme Paris\",\"code\":\"ACME-PAR\",\"parent_id\":$ORG_ACME}"
mk ORG_LYON Organization "{\"name\":\"Acme Lyon – Part-Dieu\",\"code\":\"ACME-LYS\",\"parent_id\":$ORG_PARIS}"
mk ORG_OLD Organization '{"name":"Ancienne Société","code":"OLD"}'
# ------------------------------------------------------------- people and accounts
mk P_ALICE Person "{\"first_name\":\"Alice\",\"name\":\"Martin\",\"org_id\":$ORG_ACME,
  \"email\":\"alice.martin@acme.example\",\"phone\":\"+33 1 23 45 67 89\",\"function\":\"Support N1\"}"
mk P_BOB Person "{\"first_name\":\"Bob\",\"name\":\"Durand\",\"org_id\":$ORG_ACME,
  \"email\":\"bob.durand@acme.example\"}"
mk P_CHLOE Person "{\"first_name\":\"Chloé\",\"name\":\"Lefèvre\",\"org_id\":$ORG_PARIS,
  \"email\":\"chloe.lefevre@acme.example\",\"mobile_phone\":\"+33 6 11 22 33 44\"}"
mk P_DIETER Person "{\"first_name\":\"Dieter\",\"name\":\"Groß\",\"org_id\":$ORG_LYON,
  \"email\":\"Dieter.Gross@Acme.example\"}"
mk P_DASH Person "{\"first_name\":\"-\",\"name\":\"Accueil Lyon\",\"org_id\":$ORG_LYON,
  \"phone\":\"+33 4 00 00 00 00\"}"
mk P_ERNEST Person "{\"first_name\":\"Ernest\",\"name\":\"Ancien\",\"org_id\":$ORG_OLD,
  \"email\":\"ernest.ancien@old.example\"}"
mk U_ALICE UserLocal "{\"login\":\"alice\",\"password\":\"Alice-Pw-12345!\",\"contactid\":$P_ALICE,
  \"language\":\"FR FR\",\"profile_list\":[{\"profileid\":5},{\"profileid\":4}]}"
mk U_BOB UserLocal "{\"login\":\"bob\",\"password\":\"Bob-Pw-12345!\",\"contactid\":$P_BOB,
  \"language\":\"EN US\",\"profile_list\":[{\"profileid\":5}]}"
mk U_CHLOE UserLocal "{\"login\":\"chloe\",\"password\":\"Chloe-Pw-12345!\",\"contactid\":$P_CHLOE,
  \"language\":\"FR FR\",\"profile_list\":[{\"profileid\":2}]}"
mk TEAM_SD Team "{\"name\":\"Service Desk\",\"org_id\":$ORG_ACME,\"email\":\"sd@acme.example\",
  \"persons_list\":[{\"person_id\":$P_ALICE},{\"person_id\":$P_BOB}]}"
# ------------------------------------------------------------- catalogue, SLA, CIs, FAQ
mk SVC Service "{\"name\":\"Poste de travail\",\"org_id\":$ORG_ACME,\"status\":\"production\"}"
mk SUB ServiceSubcategory "{\"name\":\"Imprimante\",\"service_id\":$SVC,\"request_type\":\"service_request\",
  \"status\":\"production\"}"
mk SLT_TTR SLT '{"name":"TTR P1 4h","priority":"1","request_type":"service_request","metric":"ttr",
  "value":4,"unit":"hours"}'
mk SLA_GOLD SLA "{\"name\":\"Gold\",\"org_id\":$ORG_ACME,\"slts_list\":[{\"slt_id\":$SLT_TTR}]}"
mk CI_SRV Server "{\"name\":\"srv-files-01\",\"org_id\":$ORG_ACME,\"business_criticity\":\"high\"}"
mk CI_PC PC "{\"name\":\"PC-Chloé\",\"org_id\":$ORG_PARIS,\"type\":\"laptop\"}"
mk FAQCAT FAQCategory '{"name":"Impression"}'
mk FAQ1 FAQ "{\"title\":\"Imprimer en recto-verso\",\"summary\":\"Réglage du pilote\",
  \"description\":\"<p>Ouvrez <b>Propriétés</b> puis « Recto-verso ».</p>\",\"category_id\":$FAQCAT,
  \"key_words\":\"imprimante;duplex\"}"
# ------------------------------------------------------------- tickets
log() { # CLASS ID LOG USER_ID MESSAGE: one case-log entry by that user
  itop_update "$STATE" "$1" "$2" "{\"$3\":{\"add_item\":{\"message\":\"$5\",\"format\":\"html\",
    \"user_id\":$4}}}"
}
mk R1 UserRequest "{\"title\":\"Imprimante bloquée – 2ᵉ étage\",\"org_id\":$ORG_PARIS,
  \"caller_id\":$P_CHLOE,\"description\":\"<p>L'imprimante du 2ᵉ affiche « bourrage ».</p><p>Merci !</p>\",
  \"origin\":\"mail\",\"impact\":\"3\",\"urgency\":\"2\",\"service_id\":$SVC,\"servicesubcategory_id\":$SUB,
  \"functionalcis_list\":[{\"functionalci_id\":$CI_PC}]}"
log UserRequest $R1 public_log $U_CHLOE "<p>Toujours bloquée ce matin.</p>"
itop_stimulus "$STATE" UserRequest $R1 ev_assign "{\"team_id\":$TEAM_SD,\"agent_id\":$P_ALICE}"
log UserRequest $R1 private_log $U_ALICE "<p>Vérifier le <i>tiroir 2</i>.</p>"
log UserRequest $R1 public_log $U_ALICE "<p>Nous passons à 14h.</p>"
log UserRequest $R1 public_log $U_BOB "<p>Bourrage retiré, test OK.</p>"
itop_stimulus "$STATE" UserRequest $R1 ev_resolve '{"solution":"<p>Rouleau remplacé.</p>",
  "resolution_code":"assistance"}'
itop_stimulus "$STATE" UserRequest $R1 ev_close '{"user_satisfaction":"1","user_comment":"Parfait, merci"}'
mk R2 UserRequest "{\"title\":\"Demande d'accès VPN\",\"org_id\":$ORG_LYON,\"caller_id\":$P_DIETER,
  \"description\":\"Bitte VPN-Zugang für Dieter.\nDanke!\",\"origin\":\"phone\"}"
log UserRequest $R2 public_log $U_BOB "<p>Formulaire envoyé.</p>"
log UserRequest $R2 private_log $U_BOB "<p>Attente validation manager.</p>"
mk R3 UserRequest "{\"title\":\"Ancien badge\",\"org_id\":$ORG_OLD,\"caller_id\":$P_ERNEST,
  \"description\":\"<p>Badge expiré.</p>\",\"origin\":\"in_person\"}"
itop_stimulus "$STATE" UserRequest $R3 ev_assign "{\"team_id\":$TEAM_SD,\"agent_id\":$P_BOB}"
log UserRequest $R3 public_log $U_BOB "<p>Badge réactivé.</p>"
# incident with two child requests, resolved: the children are auto-resolved
mk I1 Incident "{\"title\":\"Serveur de fichiers indisponible\",\"org_id\":$ORG_ACME,
  \"caller_id\":$P_ALICE,\"description\":\"<p>srv-files-01 ne répond plus.</p>\",\"origin\":\"monitoring\",
  \"impact\":\"1\",\"urgency\":\"1\",\"functionalcis_list\":[{\"functionalci_id\":$CI_SRV}]}"
mk R4 UserRequest "{\"title\":\"Partage R: inaccessible\",\"org_id\":$ORG_PARIS,\"caller_id\":$P_CHLOE,
  \"description\":\"<p>R: vide</p>\",\"origin\":\"portal\",\"parent_incident_id\":$I1}"
mk R5 UserRequest "{\"title\":\"Fichiers introuvables\",\"org_id\":$ORG_LYON,\"caller_id\":$P_DASH,
  \"description\":\"<p>Plus rien sur le partage.</p>\",\"origin\":\"chat\",\"parent_incident_id\":$I1}"
itop_stimulus "$STATE" Incident $I1 ev_assign "{\"team_id\":$TEAM_SD,\"agent_id\":$P_BOB}"
log Incident $I1 private_log $U_BOB "<p>Disque plein sur srv-files-01.</p>"
log Incident $I1 public_log $U_ALICE "<p>Panne identifiée, intervention en cours.</p>"
itop_stimulus "$STATE" Incident $I1 ev_resolve '{"solution":"<p>Disque étendu de 200 Go.</p>"}'
# changes of three leaf classes
mk C1 NormalChange "{\"title\":\"Extension disque srv-files-01\",\"org_id\":$ORG_ACME,
  \"caller_id\":$P_BOB,\"description\":\"<p>+200 Go</p>\"}"
log NormalChange $C1 private_log $U_BOB "<p>Planifié samedi.</p>"
log NormalChange $C1 private_log $U_ALICE "<p>Sauvegarde vérifiée.</p>"
mk C2 EmergencyChange "{\"title\":\"Correctif sécurité urgent\",\"org_id\":$ORG_ACME,
  \"caller_id\":$P_ALICE,\"description\":\"<p>CVE à corriger.</p>\"}"
mk C3 RoutineChange "{\"title\":\"Redémarrage mensuel\",\"org_id\":$ORG_PARIS,
  \"caller_id\":$P_BOB,\"description\":\"<p>Premier lundi du mois.</p>\"}"
# ------------------------------------------------------------- files
PNG=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==
PDF=$(printf '%%PDF-1.4\n%% facture test\n%%%%EOF\n' | base64 -w0)
att() { # NAME CLASS ID ORG FILE MIME DATA [TEMP_ID]
  mk "$1" Attachment "{\"item_class\":\"$2\",\"item_id\":$3,\"item_org_id\":$4,\"temp_id\":\"${8:-}\",
    \"contents\":{\"filename\":\"$5\",\"mimetype\":\"$6\",\"data\":\"$7\"}}"
}
att A1 UserRequest $R1 $ORG_PARIS "facture-imprimante.pdf" application/pdf "$PDF"
att A2 UserRequest $R1 $ORG_PARIS "écran bourrage.png" image/png "$PNG"
att A3 NormalChange $C1 $ORG_ACME "plan.txt" text/plain "$(printf 'Étapes: 1, 2, 3\n' | base64 -w0)"
att A4 Incident $I1 $ORG_ACME "df.txt" text/plain "$(printf '/dev/sdb 100%%\n' | base64 -w0)"
att ADRAFT UserRequest 0 0 "brouillon.txt" text/plain "$(printf 'jamais envoyé\n' | base64 -w0)" draft42
mk IMG1 InlineImage "{\"item_class\":\"UserRequest\",\"item_id\":$R2,\"item_org_id\":$ORG_LYON,
  \"secret\":\"a1b2c3\",\"contents\":{\"filename\":\"capture.png\",\"mimetype\":\"image/png\",\"data\":\"$PNG\"}}"
mk IMG2 InlineImage "{\"item_class\":\"FAQ\",\"item_id\":$FAQ1,\"item_org_id\":0,
  \"secret\":\"d4e5f6\",\"contents\":{\"filename\":\"duplex.png\",\"mimetype\":\"image/png\",\"data\":\"$PNG\"}}"
img() { echo "<img src=\\\"$ITOP_URL/pages/ajax.document.php?operation=download_inlineimage&id=$1&s=$2\\\" data-img-id=\\\"$1\\\" data-img-secret=\\\"$2\\\">"; }
log UserRequest $R2 public_log $U_BOB "<p>Voici l'écran :</p><p>$(img $IMG1 a1b2c3)</p>"
itop_update "$STATE" FAQ $FAQ1 "{\"description\":\"<p>Ouvrez <b>Propriétés</b> puis « Recto-verso ».</p>$(img $IMG2 d4e5f6)\"}"
# ------------------------------------------------------------- obsolete records
itop_update "$STATE" Person $P_ERNEST '{"status":"inactive"}'
itop_update "$STATE" Organization $ORG_OLD '{"status":"inactive"}'
echo "filled: $(wc -l < "$STATE/ids") objects"
