from django.urls import path

from . import views_committee, views_exports, views_office

app_name = "evaluation"

urlpatterns = [
    # committee members and the chair (views_committee)
    path("committees/", views_committee.my_committees, name="my_committees"),
    path("<int:competition_pk>/declarations/", views_committee.declarations, name="declarations"),
    path("<int:competition_pk>/declarations/<int:declaration_pk>/", views_committee.declaration_make,
         name="declaration_make"),
    path("<int:competition_pk>/offers/<int:offer_pk>/score/", views_committee.score, name="score"),
    path("<int:competition_pk>/offers/<int:offer_pk>/score/save/", views_committee.score_save,
         name="score_save"),
    path("<int:competition_pk>/offers/<int:offer_pk>/score/submit/", views_committee.score_submit,
         name="score_submit"),
    path("<int:competition_pk>/offers/<int:offer_pk>/attachments/<int:attachment_pk>/",
         views_committee.attachment_download, name="member_attachment"),
    path("<int:competition_pk>/chair/", views_committee.chair, name="chair"),
    path("<int:competition_pk>/chair/offers/<int:offer_pk>/reopen/", views_committee.sheet_reopen,
         name="sheet_reopen"),
    path("<int:competition_pk>/chair/close/", views_committee.close_scoring, name="close_scoring"),
    path("<int:competition_pk>/chair/tasks/<int:area_pk>/proposals/", views_committee.award_propose,
         name="award_propose"),
    # office, approver, offeror and public pages (views_office)
    path("office/<int:pk>/", views_office.formal_list, name="office"),
    path("office/checks/<int:check_pk>/", views_office.formal_check, name="formal_check"),
    path("office/<int:pk>/committee/", views_office.committee, name="committee"),
    path("office/<int:pk>/decision/", views_office.decision, name="decision"),
    path("office/<int:pk>/requests/", views_office.justification_queue, name="justification_queue"),
    path("offers/<int:pk>/remedy/", views_office.offer_remedy, name="offer_remedy"),
    path("offers/<int:pk>/card/", views_office.offer_card, name="offer_card"),
    path("offers/<int:pk>/update/", views_office.offer_update, name="offer_update"),
    path("offers/<int:pk>/update/<slug:key>/", views_office.offer_update_section, name="offer_update_section"),
    path("results/<int:pk>/", views_office.public_results, name="public_results"),
    path("results/<int:pk>/list.<slug:fmt>", views_exports.results_file, name="results_file"),
    path("office/<int:pk>/protocol.xlsx", views_exports.protocol, name="protocol"),
    path("exports/<int:pk>/", views_exports.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views_exports.export_job_download, name="export_job_download"),
    path("results/<int:pk>/ask/", views_office.justification_request, name="justification_request"),
]
