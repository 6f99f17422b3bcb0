from django.urls import path

from . import views

app_name = "parliament"

urlpatterns = [
    path("questions/", views.question_list, name="list"),
    path("questions/new/", views.question_create, name="create"),
    path("questions/<int:pk>/", views.question_detail, name="question"),
    path("questions/<int:pk>/edit/", views.question_edit, name="edit"),
    path("questions/<int:pk>/draft/", views.draft_edit, name="draft"),
    path("questions/<int:pk>/draft/submit/", views.draft_submit, name="submit"),
    path("questions/<int:pk>/draft/approve/", views.draft_approve, name="approve"),
    path("questions/<int:pk>/draft/return/", views.draft_return, name="return"),
    path("answers/<int:pk>/", views.answer_detail, name="answer"),
    path("answers/<int:pk>.json", views.answer_json, name="answer_json"),
    path("answers/<int:pk>.docx", views.answer_docx, name="answer_docx"),
    path("answers/<int:pk>/print/", views.answer_print, name="answer_print"),
    path("answers/<int:pk>/correct/", views.answer_correct, name="correct"),
]
