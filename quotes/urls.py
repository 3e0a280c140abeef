from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.QuoteListView.as_view(), name="list"),
    path("new/", views.QuoteCreateView.as_view(), name="create"),
    path("<int:pk>/", views.QuoteDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.QuoteUpdateView.as_view(), name="update"),
    path("<int:pk>/print/", views.QuotePrintView.as_view(), name="print"),
    path("<int:pk>/pdf/", views.QuotePdfView.as_view(), name="pdf"),
    path("<int:pk>/confirm/<str:action>/", views.QuoteConfirmView.as_view(), name="confirm"),
    path("<int:pk>/send/", views.QuoteActionView.as_view(action="send"), name="send"),
    path("<int:pk>/decline/", views.QuoteActionView.as_view(action="decline"), name="decline"),
    path(
        "<int:pk>/make-order/",
        views.QuoteActionView.as_view(action="make_order"),
        name="make-order",
    ),
    path("<int:pk>/lines/add/", views.QuoteLineAddView.as_view(), name="line-add"),
    path(
        "<int:pk>/lines/<int:line_pk>/edit/",
        views.QuoteLineUpdateView.as_view(),
        name="line-update",
    ),
    path(
        "<int:pk>/lines/<int:line_pk>/remove/",
        views.QuoteLineDeleteView.as_view(),
        name="line-delete",
    ),
]
