from django.urls import path

from core.attachment_views import attachment_urls
from salesorders import views
from salesorders.models import SalesOrder

app_name = "salesorders"

# Each lifecycle action posts to the url_name of its SalesOrder.TRANSITIONS entry; Cancel
# Order and Cancel Remaining are shipping's (they release the stock reserved first).
urlpatterns = [
    path("", views.SalesOrderListView.as_view(), name="list"),
    path("new/", views.SalesOrderCreateView.as_view(), name="create"),
    path("settings/", views.SalesOrderSettingsView.as_view(), name="settings"),
    path("<int:pk>/", views.SalesOrderDetailView.as_view(), name="detail"),
    path("<int:pk>/print/", views.SalesOrderPrintView.as_view(), name="print"),
    path("print/", views.SalesOrderPrintSelectedView.as_view(), name="print-selected"),
    path("<int:pk>/pdf/", views.SalesOrderPdfView.as_view(), name="pdf"),
    path("<int:pk>/edit/", views.SalesOrderUpdateView.as_view(), name="update"),
    # The confirmation step of an action (SalesOrder.TRANSITIONS[action].confirm), GET only.
    path(
        "<int:pk>/confirm/<str:action>/",
        views.SalesOrderConfirmView.as_view(),
        name="confirm",
    ),
    path(
        "<int:pk>/send-confirmation/",
        views.SalesOrderConfirmationSendView.as_view(),
        name="confirmation-send",
    ),
    path("<int:pk>/rate/", views.SalesOrderRateView.as_view(), name="rate-set"),
    path("<int:pk>/duplicate/", views.SalesOrderDuplicateView.as_view(), name="duplicate"),
    path(
        "<int:pk>/submit/", views.SalesOrderTransitionView.as_view(action="submit"), name="submit"
    ),
    path("<int:pk>/issue/", views.SalesOrderTransitionView.as_view(action="issue"), name="issue"),
    path(
        "<int:pk>/approve/",
        views.SalesOrderTransitionView.as_view(action="approve"),
        name="approve",
    ),
    path(
        "<int:pk>/reject/", views.SalesOrderTransitionView.as_view(action="reject"), name="reject"
    ),
    path("credit-settings/", views.CreditSettingsView.as_view(), name="credit-settings"),
    path("<int:pk>/hold/", views.SalesOrderTransitionView.as_view(action="hold"), name="hold"),
    path(
        "<int:pk>/release/",
        views.SalesOrderTransitionView.as_view(action="release"),
        name="release",
    ),
    path(
        "<int:pk>/complete/",
        views.SalesOrderTransitionView.as_view(action="complete"),
        name="complete",
    ),
    path("<int:pk>/lines/add/", views.LineAddView.as_view(), name="line-add"),
    path("<int:pk>/lines/preview/", views.LinePreviewView.as_view(), name="line-preview"),
    path("<int:pk>/lines/<int:line_pk>/edit/", views.LineUpdateView.as_view(), name="line-update"),
    path(
        "<int:pk>/lines/<int:line_pk>/remove/", views.LineDeleteView.as_view(), name="line-delete"
    ),
    path(
        "<int:pk>/lines/<int:line_pk>/deliver/",
        views.LineDeliverView.as_view(),
        name="line-deliver",
    ),
    path(
        "<int:pk>/services/deliver/", views.ServicesDeliverView.as_view(), name="services-deliver"
    ),
    path("<int:pk>/extra-lines/add/", views.ExtraLineAddView.as_view(), name="extra-add"),
    path(
        "<int:pk>/extra-lines/<int:extra_pk>/edit/",
        views.ExtraLineUpdateView.as_view(),
        name="extra-update",
    ),
    path(
        "<int:pk>/extra-lines/<int:extra_pk>/remove/",
        views.ExtraLineDeleteView.as_view(),
        name="extra-delete",
    ),
    *attachment_urls(
        SalesOrder,
        add_view=views.SalesOrderAttachmentAddView,
        delete_view=views.SalesOrderAttachmentDeleteView,
    ),
]
