from django.urls import path

from . import views, views_finance, views_report

app_name = "settlements"

urlpatterns = [
    # contracts (views)
    path("contracts/", views.contract_list, name="contract_list"),
    path("awards/<int:award_pk>/draft/", views.contract_draft, name="contract_draft"),
    path("competitions/<int:competition_pk>/awards/", views.awards_ready, name="awards_ready"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract"),
    path("contracts/<int:pk>/contract.pdf", views.contract_pdf, name="contract_pdf"),
    path("contracts/<int:pk>/terms/", views.contract_terms, name="contract_terms"),
    path("contracts/<int:pk>/signatures/", views.contract_signature, name="contract_signature"),
    path("contracts/<int:pk>/conclude/", views.contract_conclude, name="contract_conclude"),
    path("contracts/<int:pk>/send/", views.contract_send, name="contract_send"),
    path("contracts/<int:pk>/tranches/<int:tranche_pk>/pay/", views.tranche_pay, name="tranche_pay"),
    path("contracts/<int:pk>/partial-report/", views.partial_request, name="partial_request"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract_terminate"),
    path("contracts/<int:pk>/annexes/", views.annex_propose, name="annex_propose"),
    path("contracts/<int:pk>/annexes/<int:annex_pk>/sign/", views.annex_sign, name="annex_sign"),
    path("contracts/<int:pk>/annexes/<int:annex_pk>/withdraw/", views.annex_withdraw, name="annex_withdraw"),
    # reports (views_report)
    path("reports/<int:pk>/", views_report.report_detail, name="report"),
    path("reports/<int:pk>/parts/<slug:key>/", views_report.part_save, name="part_save"),
    path("reports/<int:pk>/documents/new/", views_report.document_new, name="document_new"),
    path("reports/<int:pk>/documents/import/", views_report.documents_import, name="documents_import"),
    path("reports/<int:pk>/documents/<int:document_pk>/", views_report.document_edit, name="document_edit"),
    path("reports/<int:pk>/documents/<int:document_pk>/remove/", views_report.document_remove,
         name="document_remove"),
    path("reports/<int:pk>/documents/<int:document_pk>/assess/", views_report.document_assess,
         name="document_assess"),
    path("reports/documents-template.<slug:fmt>", views_report.documents_template, name="documents_template"),
    path("reports/<int:pk>/submit/", views_report.report_submit, name="report_submit"),
    path("reports/<int:pk>/answer/", views_report.report_answer, name="report_answer"),
    path("reports/<int:pk>/clarification/", views_report.report_clarify, name="report_clarify"),
    path("reports/<int:pk>/decision/", views_report.report_decide, name="report_decide"),
    path("reports/<int:pk>/written-call/", views_report.report_call, name="report_call"),
    # finance (views_finance)
    path("finance/<int:authority_pk>/", views_finance.dashboard, name="dashboard"),
    path("finance/<int:authority_pk>/ledger.xlsx", views_finance.ledger, name="ledger"),
    path("settlements/<int:pk>/", views_finance.settlement_detail, name="settlement"),
    path("settlements/<int:pk>/compute/", views_finance.settlement_compute, name="settlement_compute"),
    path("settlements/<int:pk>/conclude/", views_finance.settlement_conclude, name="settlement_conclude"),
    path("settlements/<int:pk>/items/<int:item_pk>/return/", views_finance.return_record, name="return_record"),
    path("settlements/<int:pk>/decision/", views_finance.settlement_decision, name="settlement_decision"),
]
