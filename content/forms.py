from wagtail.admin.forms import WagtailAdminModelForm


class QuestionForm(WagtailAdminModelForm):
    """Checks the options against the question type: options live in an inline formset that the
    model's own ``clean`` cannot see."""

    def is_valid(self):
        from .models.quiz import check_options

        if not super().is_valid():
            return False
        options = [
            (form.cleaned_data.get("text", ""), bool(form.cleaned_data.get("is_correct")))
            for form in self.formsets["options"].forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        error = check_options(self.cleaned_data["kind"], options)
        if error:
            self.add_error(None, error)
            return False
        return True
