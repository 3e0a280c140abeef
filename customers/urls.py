from django.urls import path

from core.attachment_views import attachment_urls
from customers import views
from customers.models import Customer

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer-list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer-create"),
    path("search/", views.CustomerSearchView.as_view(), name="customer-search"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="customer-update"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="customer-delete"),
    path(
        "<int:pk>/deactivate/",
        views.CustomerSetActiveView.as_view(active=False),
        name="customer-deactivate",
    ),
    path(
        "<int:pk>/activate/",
        views.CustomerSetActiveView.as_view(active=True),
        name="customer-activate",
    ),
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
    *attachment_urls(Customer),
]
