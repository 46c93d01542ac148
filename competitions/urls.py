from django.urls import path

from . import views

app_name = "competitions"

urlpatterns = [
    # public: announcements of published competitions, no login
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    # the authority's office
    path("office/", views.staff_list, name="staff_list"),
    path("office/new/", views.staff_create, name="staff_create"),
    path("office/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("office/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("office/<int:pk>/action/", views.staff_transition, name="staff_transition"),
    path("office/<int:pk>/publications/", views.staff_publication, name="staff_publication"),
    path("office/<int:pk>/audit/", views.staff_audit, name="staff_audit"),
    path("office/<int:pk>/<slug:kind>/new/", views.item_edit, name="item_new"),
    path("office/<int:pk>/<slug:kind>/<int:item_pk>/", views.item_edit, name="item_edit"),
    path("office/<int:pk>/<slug:kind>/<int:item_pk>/remove/", views.item_remove, name="item_remove"),
]
