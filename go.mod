module aitbc

go 1.26
