from django.contrib import admin

from demo.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["title", "word_count", "created_at"]
