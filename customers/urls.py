from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="delete"),
    path(
        "<int:pk>/deactivate/",
        views.CustomerSetActiveView.as_view(active=False),
        name="deactivate",
    ),
    path("<int:pk>/activate/", views.CustomerSetActiveView.as_view(active=True), name="activate"),
    path(
        "<int:customer_pk>/addresses/new/",
        views.AddressCreateView.as_view(),
        name="address-create",
    ),
    path(
        "<int:customer_pk>/addresses/<int:pk>/edit/",
        views.AddressUpdateView.as_view(),
        name="address-update",
    ),
    path(
        "<int:customer_pk>/addresses/<int:pk>/delete/",
        views.AddressDeleteView.as_view(),
        name="address-delete",
    ),
    path(
        "<int:customer_pk>/contacts/new/",
        views.ContactCreateView.as_view(),
        name="contact-create",
    ),
    path(
        "<int:customer_pk>/contacts/<int:pk>/edit/",
        views.ContactUpdateView.as_view(),
        name="contact-update",
    ),
    path(
        "<int:customer_pk>/contacts/<int:pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact-delete",
    ),
]
