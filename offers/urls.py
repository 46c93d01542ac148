from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    # the organisation and its people
    path("competitions/office/<int:pk>/offers/", views.staff_offers, name="staff_offers"),
    path("ngo/register/", views.register, name="register"),
    path("ngo/", views.organizations, name="organizations"),
    path("ngo/<int:pk>/", views.organization_detail, name="organization"),
    path("ngo/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("ngo/<int:pk>/invite/", views.organization_invite, name="organization_invite"),
    path("ngo/<int:pk>/people/<int:user_id>/", views.organization_person, name="organization_person"),
    path("ngo/invitations/<uuid:token>/", views.invitation, name="invitation"),
    # offers
    path("offers/", views.my_offers, name="my_offers"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit, name="offer_edit"),
    path("offers/<int:pk>/edit/<slug:section_key>/", views.offer_section, name="offer_section"),
    path("offers/<int:pk>/action/", views.offer_transition, name="offer_transition"),
    path("offers/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "offers/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "offers/<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("offers/<int:pk>/receipt/", views.offer_receipt, name="offer_receipt"),
    path("offers/<int:pk>/receipt.pdf", views.offer_receipt_pdf, name="offer_receipt_pdf"),
    path("offers/<int:pk>/versions/", views.offer_versions, name="offer_versions"),
]
